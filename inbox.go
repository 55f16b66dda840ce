package rapport

import (
	"context"
	"log/slog"
	"time"
)

// ConversationStatus is where a conversation stands in the social team's work.
type ConversationStatus string

// Conversation statuses.
const (
	StatusNew      ConversationStatus = "new"
	StatusOpen     ConversationStatus = "open"
	StatusWaiting  ConversationStatus = "waiting" // waiting on the author
	StatusResolved ConversationStatus = "resolved"
)

// ParseConversationStatus returns the status named s.
func ParseConversationStatus(s string) (ConversationStatus, error) {
	switch st := ConversationStatus(s); st {
	case StatusNew, StatusOpen, StatusWaiting, StatusResolved:
		return st, nil
	}
	return "", Errorf(EINVALID, "status: unknown status %q (want new, open, waiting or resolved)", s)
}

// Conversation is a thread of inbound items on one account of one network,
// and the team's work on it. A conversation is linked to a patient only by
// an explicit staff action (LinkPatient) or a verified identifier, never by
// matching a name.
type Conversation struct {
	ID        string             `json:"id"`
	OrgID     string             `json:"org_id"`
	Network   Network            `json:"network"`
	AccountID string             `json:"account_id"`
	RootID    string             `json:"root_network_id"` // the network id of the thread's first item
	Status    ConversationStatus `json:"status"`
	Queue     string             `json:"queue"`
	Assignee  string             `json:"assignee,omitempty"` // a user id
	Tags      []string           `json:"tags"`
	PatientID string             `json:"patient_id,omitempty"`
	// Urgency is the highest urgency of its items (triage's scale: 1 low
	// to 4 critical); Crisis is set once any item was a crisis.
	Urgency int  `json:"urgency"`
	Crisis  bool `json:"crisis"`
	// Private is true for a direct-message thread.
	Private bool `json:"private"`
	// CreatedAt is when its first item was received.
	CreatedAt       time.Time `json:"created_at"`
	LastItemAt      time.Time `json:"last_item_at"`
	AssignedAt      time.Time `json:"assigned_at,omitzero"`
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	ResolvedAt      time.Time `json:"resolved_at,omitzero"`
}

// InboxItem is one inbound item as stored: a SocialItem with its triage.
// (OrgID, Network, NetworkID) is unique: the same item delivered twice is
// stored once.
type InboxItem struct {
	ID             string `json:"id"`
	OrgID          string `json:"org_id"`
	ConversationID string `json:"conversation_id"`
	SocialItem
	Triage     ItemTriage `json:"triage"`
	Queue      string     `json:"queue"`
	ReceivedAt time.Time  `json:"received_at"`
}

// ItemTriage is what triage decided about an item on arrival.
type ItemTriage struct {
	Intent         string  `json:"intent"`
	Sentiment      float64 `json:"sentiment"`
	Urgency        int     `json:"urgency"` // 1 low .. 4 critical
	Crisis         bool    `json:"crisis"`
	CrisisCategory string  `json:"crisis_category,omitempty"`
	// Discloses is true when the item discloses health information (whose:
	// DisclosureSubject, "self" or "other"); the composer then suggests
	// taking the conversation private.
	Discloses         bool   `json:"phi_disclosure"`
	DisclosureSubject string `json:"phi_subject,omitempty"`
	Rule              string `json:"rule,omitempty"` // the routing rule that chose the queue
}

// LogValue keeps an item's text and author out of logs.
func (it InboxItem) LogValue() slog.Value {
	return slog.GroupValue(slog.String("item", it.ID), slog.String("network", string(it.Network)),
		slog.String("conversation", it.ConversationID))
}

// Note is an internal note on a conversation, never sent.
type Note struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	AuthorID       string    `json:"author_id"`
	AuthorName     string    `json:"author_name"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
}

// CannedReply is a saved answer agents start from.
type CannedReply struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Reply states.
const (
	ReplyPending = "pending" // recorded, being sent
	ReplySent    = "sent"
	ReplyBlocked = "blocked" // stopped by the PHI guard, never sent
	ReplyFailed  = "failed"  // the network refused it
)

// Reply is an outbound answer on a conversation, whether it was sent or not.
type Reply struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	// InReplyTo is the id of the item answered.
	InReplyTo string `json:"in_reply_to"`
	AuthorID  string `json:"author_id"`
	Text      string `json:"text"`
	// Private is true for a direct message.
	Private bool `json:"private"`
	// Verdict is the PHI guard's action: allow, warn or block (empty for
	// direct messages, which are not public).
	Verdict   string    `json:"verdict"`
	State     string    `json:"state"`
	NetworkID string    `json:"network_id,omitempty"` // the sent post's id on the network
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// ConversationDetail is a conversation with everything on it.
type ConversationDetail struct {
	Conversation
	Items   []InboxItem `json:"items"`
	Notes   []Note      `json:"notes"`
	Replies []Reply     `json:"replies"`
}

// ConversationFilter selects conversations. Empty fields match everything;
// Assignee "none" matches unassigned conversations.
type ConversationFilter struct {
	Queue    string
	Status   ConversationStatus
	Assignee string
	// Open selects conversations that are not resolved.
	Open  bool
	Limit int
}

// IngestResult says what storing one item did.
type IngestResult struct {
	ItemID         string
	ConversationID string
	// New is false when the item was already stored (a duplicate delivery).
	New bool
	// NewConversation is true when the item started a conversation.
	NewConversation bool
}

// Agent is a member of staff who takes conversations, with the most open
// conversations they may hold at once.
type Agent struct {
	UserID   string `json:"user_id"`
	Capacity int    `json:"capacity"`
}

// InboxStore keeps the unified inbox. Every method scopes itself to
// actor.OrgID, requires PermInboxWork and audits in the same transaction.
type InboxStore interface {
	// StoreItems stores items in one transaction, in order, threading each
	// into the conversation of its parent or root when that is known and
	// starting a conversation otherwise. An item already stored is skipped
	// (New false). Items' ID, OrgID and ConversationID are filled in.
	StoreItems(ctx context.Context, actor Actor, items []*InboxItem) ([]IngestResult, error)
	Conversations(ctx context.Context, actor Actor, f ConversationFilter) ([]Conversation, error)
	Conversation(ctx context.Context, actor Actor, id string) (*ConversationDetail, error)
	// Assign gives a conversation to a user ("" unassigns).
	Assign(ctx context.Context, actor Actor, id, userID string) (*Conversation, error)
	// Claim gives an unassigned conversation to the actor; ECONFLICT if
	// someone holds it.
	Claim(ctx context.Context, actor Actor, id string) (*Conversation, error)
	// AssignRoundRobin gives a conversation to the agent, among those under
	// capacity, who was assigned a conversation least recently. ECONFLICT
	// when every agent is at capacity.
	AssignRoundRobin(ctx context.Context, actor Actor, id string, agents []Agent) (*Conversation, error)
	SetStatus(ctx context.Context, actor Actor, id string, st ConversationStatus) (*Conversation, error)
	// Tag adds and removes tags.
	Tag(ctx context.Context, actor Actor, id string, add, remove []string) (*Conversation, error)
	AddNote(ctx context.Context, actor Actor, n *Note) error
	// LinkPatient links a conversation to a patient of the organisation by
	// an explicit staff action ("" unlinks).
	LinkPatient(ctx context.Context, actor Actor, id, patientID string) (*Conversation, error)
	// RecordReply records an outbound reply in state pending or blocked.
	RecordReply(ctx context.Context, actor Actor, r *Reply) error
	// FinishReply moves a pending reply to sent (with the network's id,
	// which also sets the conversation's first response time if unset) or
	// failed.
	FinishReply(ctx context.Context, actor Actor, replyID, state, networkID string) (*Reply, error)
	CannedReplies(ctx context.Context, actor Actor) ([]CannedReply, error)
	SaveCannedReply(ctx context.Context, actor Actor, c *CannedReply) error // creates when c.ID is empty
	DeleteCannedReply(ctx context.Context, actor Actor, id string) error
	// Cursor and SetCursor keep a connector account's fetch position.
	Cursor(ctx context.Context, actor Actor, network Network, accountID string) (string, error)
	SetCursor(ctx context.Context, actor Actor, network Network, accountID, cursor string) error
}

// InboxEvent is what the inbox pushes to agents' screens (Server-Sent
// Events). It carries ids and triage labels only, never an item's text or
// its author: the screen fetches those through the audited API.
type InboxEvent struct {
	// Type is item.new, conversation.updated, crisis or sla.breach.
	Type           string    `json:"type"`
	ConversationID string    `json:"conversation_id"`
	ItemID         string    `json:"item_id,omitempty"`
	Network        Network   `json:"network,omitempty"`
	Kind           ItemKind  `json:"kind,omitempty"`
	Queue          string    `json:"queue,omitempty"`
	Status         string    `json:"status,omitempty"`
	Assignee       string    `json:"assignee,omitempty"`
	Intent         string    `json:"intent,omitempty"`
	Urgency        int       `json:"urgency,omitempty"`
	Crisis         bool      `json:"crisis,omitempty"`
	Guidance       string    `json:"guidance,omitempty"` // crisis guidance for the on-call agent
	Breach         string    `json:"breach,omitempty"`   // first_response or resolution
	ReceivedAt     time.Time `json:"received_at,omitzero"`
	At             time.Time `json:"at"`
}
