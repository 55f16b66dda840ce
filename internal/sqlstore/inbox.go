package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

var _ rapport.InboxStore = (*Store)(nil)

const convCols = `id, org_id, network, account_id, root_network_id, status, queue, assignee, tags, patient_id, urgency, crisis,
	private, created_at, last_item_at, assigned_at, first_response_at, resolved_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanConv(row rowScanner) (*rapport.Conversation, error) {
	var c rapport.Conversation
	var network, status, tags string
	var crisis, private int
	var created, last, assigned, first, resolved int64
	if err := row.Scan(&c.ID, &c.OrgID, &network, &c.AccountID, &c.RootID, &status, &c.Queue, &c.Assignee, &tags, &c.PatientID,
		&c.Urgency, &crisis, &private, &created, &last, &assigned, &first, &resolved); err != nil {
		return nil, err
	}
	c.Network, c.Status = rapport.Network(network), rapport.ConversationStatus(status)
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return nil, fmt.Errorf("conversation tags: %w", err)
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	c.Crisis, c.Private = crisis != 0, private != 0
	c.CreatedAt, c.LastItemAt, c.AssignedAt = fromMicros(created), fromMicros(last), fromMicros(assigned)
	c.FirstResponseAt, c.ResolvedAt = fromMicros(first), fromMicros(resolved)
	return &c, nil
}

// validItem checks what the store relies on; messages name the field, never
// its value.
func validItem(i int, it *rapport.InboxItem) error {
	switch {
	case it == nil:
		return rapport.Errorf(rapport.EINVALID, "items[%d]: missing", i)
	case it.Network == "":
		return rapport.Errorf(rapport.EINVALID, "items[%d].network: required", i)
	case it.NetworkID == "":
		return rapport.Errorf(rapport.EINVALID, "items[%d].network_id: required", i)
	case it.Kind == "":
		return rapport.Errorf(rapport.EINVALID, "items[%d].kind: required", i)
	case it.Queue == "":
		return rapport.Errorf(rapport.EINVALID, "items[%d].queue: required", i)
	}
	return nil
}

// StoreItems stores a batch of triaged items in one transaction. It reads
// what the batch needs to know (items already stored, conversations to
// thread into) in two queries, decides in memory, and writes new
// conversations and items in multi-row statements, so that a batch costs a
// handful of round trips rather than several per item.
func (s *Store) StoreItems(ctx context.Context, actor rapport.Actor, items []*rapport.InboxItem) ([]rapport.IngestResult, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	for i, it := range items {
		if err := validItem(i, it); err != nil {
			return nil, err
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	now := s.clock()
	var out []rapport.IngestResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.storeBatch(ctx, tx, actor.OrgID, items, now)
		if err != nil {
			return err
		}
		var created []string
		for _, r := range out {
			if r.New {
				created = append(created, r.ItemID)
			}
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "InboxItem")
		e.EntityIDs = created
		e.Detail = fmt.Sprintf("%d new, %d duplicate", len(created), len(out)-len(created))
		return s.appendAudit(ctx, tx, &e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// netKey names an item or a thread root on a network.
type netKey struct{ network, id string }

type knownItem struct{ id, conv string }

// convChange is what a batch does to one conversation.
type convChange struct {
	conv     *rapport.Conversation
	created  bool
	last     time.Time
	urgency  int
	crisis   bool
	queue    string // set by a crisis item
	reopened bool
}

// inboxMarks returns n comma-separated placeholders.
func inboxMarks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (s *Store) storeBatch(ctx context.Context, tx *sql.Tx, orgID string, items []*rapport.InboxItem, now time.Time) ([]rapport.IngestResult, error) {
	// Every id the batch may need to look up: its own, parents and roots.
	seen := map[string]bool{}
	var ids []any
	for _, it := range items {
		for _, id := range []string{it.NetworkID, it.ParentID, it.RootID, dmThread(it)} {
			if id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	known := map[netKey]knownItem{}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT network, network_id, id, conversation_id FROM inbox_items
		WHERE org_id = ? AND network_id IN (`+inboxMarks(len(ids))+`)`), append([]any{orgID}, ids...)...)
	if err != nil {
		return nil, internal("find items", err)
	}
	for rows.Next() {
		var k netKey
		var v knownItem
		if err := rows.Scan(&k.network, &k.id, &v.id, &v.conv); err != nil {
			rows.Close()
			return nil, internal("find items", err)
		}
		known[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("find items", err)
	}
	roots := map[netKey]string{}
	rows, err = tx.QueryContext(ctx, s.q(`SELECT network, root_network_id, id FROM inbox_conversations
		WHERE org_id = ? AND root_network_id IN (`+inboxMarks(len(ids))+`) ORDER BY created_at DESC`), append([]any{orgID}, ids...)...)
	if err != nil {
		return nil, internal("find threads", err)
	}
	for rows.Next() {
		var k netKey
		var id string
		if err := rows.Scan(&k.network, &k.id, &id); err != nil {
			rows.Close()
			return nil, internal("find threads", err)
		}
		roots[k] = id // the oldest wins: rows come newest first
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("find threads", err)
	}

	out := make([]rapport.IngestResult, len(items))
	changes := map[string]*convChange{}
	var order []string // conversations in first-touched order
	var fresh []*rapport.InboxItem
	for i, it := range items {
		nw := string(it.Network)
		if k, ok := known[netKey{nw, it.NetworkID}]; ok {
			it.ID, it.OrgID, it.ConversationID = k.id, orgID, k.conv
			out[i] = rapport.IngestResult{ItemID: k.id, ConversationID: k.conv}
			continue
		}
		it.ID, it.OrgID = newID(), orgID
		if it.ReceivedAt.IsZero() {
			it.ReceivedAt = now
		}
		conv := ""
		for _, id := range []string{it.ParentID, it.RootID} {
			if k, ok := known[netKey{nw, id}]; id != "" && ok && conv == "" {
				conv = k.conv
			}
		}
		for _, id := range []string{it.NetworkID, it.RootID, it.ParentID, dmThread(it)} {
			if c, ok := roots[netKey{nw, id}]; id != "" && ok && conv == "" {
				conv = c
			}
		}
		ch := changes[conv]
		if conv == "" {
			root := firstNonEmpty(it.RootID, it.ParentID, dmThread(it), it.NetworkID)
			conv = newID()
			ch = &convChange{created: true, conv: &rapport.Conversation{ID: conv, OrgID: orgID, Network: it.Network,
				AccountID: it.AccountID, RootID: root, Status: rapport.StatusNew, Queue: it.Queue, Private: it.Private,
				CreatedAt: it.ReceivedAt}}
			roots[netKey{nw, root}] = conv
			out[i].NewConversation = true
		}
		if ch == nil {
			ch = &convChange{}
		}
		if changes[conv] == nil {
			changes[conv] = ch
			order = append(order, conv)
		}
		ch.last = maxTime(ch.last, it.ReceivedAt)
		ch.urgency = max(ch.urgency, it.Triage.Urgency)
		if it.Triage.Crisis {
			ch.crisis, ch.queue = true, it.Queue
		}
		it.ConversationID = conv
		known[netKey{nw, it.NetworkID}] = knownItem{it.ID, conv}
		out[i] = rapport.IngestResult{ItemID: it.ID, ConversationID: conv, New: true, NewConversation: out[i].NewConversation}
		fresh = append(fresh, it)
	}
	if len(fresh) == 0 {
		return out, nil
	}

	// New conversations, then items (which reference them).
	var cargs []any
	n := 0
	for _, id := range order {
		ch := changes[id]
		if !ch.created {
			continue
		}
		c := ch.conv
		queue := c.Queue
		if ch.crisis {
			queue = ch.queue
		}
		cargs = append(cargs, c.ID, orgID, string(c.Network), c.AccountID, c.RootID, string(c.Status), queue, ch.urgency,
			boolInt(ch.crisis), boolInt(c.Private), micros(c.CreatedAt), micros(ch.last))
		n++
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO inbox_conversations (id, org_id, network, account_id, root_network_id, status, queue,
			urgency, crisis, private, created_at, last_item_at) VALUES `+strings.TrimSuffix(strings.Repeat("("+inboxMarks(12)+"), ", n), ", ")),
			cargs...); err != nil {
			return nil, internal("create conversations", err)
		}
	}
	var iargs []any
	for _, it := range fresh {
		tri, err := json.Marshal(it.Triage)
		if err != nil {
			return nil, internal("encode triage", err)
		}
		iargs = append(iargs, it.ID, orgID, it.ConversationID, string(it.Network), it.AccountID, it.NetworkID, it.ParentID, it.RootID,
			string(it.Kind), it.AuthorID, it.AuthorHandle, it.AuthorName, it.Text, it.URL, it.Rating, boolInt(it.Private),
			micros(it.CreatedAt), micros(it.ReceivedAt), it.Queue, string(tri))
	}
	rows, err = tx.QueryContext(ctx, s.q(`INSERT INTO inbox_items (id, org_id, conversation_id, network, account_id, network_id, parent_id,
		root_id, kind, author_id, author_handle, author_name, text, url, rating, private, created_at, received_at, queue, triage)
		VALUES `+strings.TrimSuffix(strings.Repeat("("+inboxMarks(20)+"), ", len(fresh)), ", ")+`
		ON CONFLICT (org_id, network, network_id) DO NOTHING RETURNING id`), iargs...)
	if err != nil {
		return nil, internal("insert items", err)
	}
	inserted := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, internal("insert items", err)
		}
		inserted[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("insert items", err)
	}
	if len(inserted) < len(fresh) {
		// A concurrent transaction stored some of these items first:
		// report theirs, and drop conversations left empty.
		for i, r := range out {
			if !r.New || inserted[r.ItemID] {
				continue
			}
			it := items[i]
			if err := tx.QueryRowContext(ctx, s.q(`SELECT id, conversation_id FROM inbox_items WHERE org_id = ? AND network = ? AND network_id = ?`),
				orgID, string(it.Network), it.NetworkID).Scan(&it.ID, &it.ConversationID); err != nil {
				return nil, internal("find item", err)
			}
			out[i] = rapport.IngestResult{ItemID: it.ID, ConversationID: it.ConversationID}
		}
		var created []any
		for _, id := range order {
			if changes[id].created {
				created = append(created, id)
			}
		}
		if len(created) > 0 {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM inbox_conversations WHERE org_id = ? AND id IN (`+inboxMarks(len(created))+`) AND
				NOT EXISTS (SELECT 1 FROM inbox_items WHERE inbox_items.conversation_id = inbox_conversations.id)`),
				append([]any{orgID}, created...)...); err != nil {
				return nil, internal("drop empty conversations", err)
			}
		}
	}
	// Existing conversations: a new item raises the urgency, a crisis moves
	// the conversation to the crisis queue, and a resolved one reopens.
	for _, id := range order {
		ch := changes[id]
		if ch.created {
			continue
		}
		q := `UPDATE inbox_conversations SET last_item_at = CASE WHEN last_item_at < ? THEN ? ELSE last_item_at END,
			urgency = CASE WHEN urgency < ? THEN ? ELSE urgency END,
			status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
			resolved_at = CASE WHEN status = 'resolved' THEN 0 ELSE resolved_at END`
		args := []any{micros(ch.last), micros(ch.last), ch.urgency, ch.urgency}
		if ch.crisis {
			q += `, crisis = 1, queue = ?`
			args = append(args, ch.queue)
		}
		q += ` WHERE org_id = ? AND id = ?`
		if _, err := tx.ExecContext(ctx, s.q(q), append(args, orgID, id)...); err != nil {
			return nil, internal("update conversation", err)
		}
	}
	return out, nil
}

// dmThread is the thread root of a direct message that names no parent
// (Messenger, for one, sends none): all such messages between one author
// and one account are one conversation.
func dmThread(it *rapport.InboxItem) string {
	if !it.Private || it.ParentID != "" || it.RootID != "" || it.AuthorID == "" {
		return ""
	}
	return "dm:" + it.AccountID + ":" + it.AuthorID
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Conversations lists conversations, crises and the most urgent first,
// then the most recently active. It returns metadata only (no item text),
// which is why the read is not audited; Conversation is.
func (s *Store) Conversations(ctx context.Context, actor rapport.Actor, f rapport.ConversationFilter) ([]rapport.Conversation, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	q := `SELECT ` + convCols + ` FROM inbox_conversations WHERE org_id = ?`
	args := []any{actor.OrgID}
	if f.Queue != "" {
		q += ` AND queue = ?`
		args = append(args, f.Queue)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.Open {
		q += ` AND status <> 'resolved'`
	}
	switch f.Assignee {
	case "":
	case "none":
		q += ` AND assignee = ''`
	default:
		q += ` AND assignee = ?`
		args = append(args, f.Assignee)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q += fmt.Sprintf(` ORDER BY crisis DESC, urgency DESC, last_item_at DESC, id LIMIT %d`, f.Limit)
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, internal("list conversations", err)
	}
	defer rows.Close()
	out := []rapport.Conversation{}
	for rows.Next() {
		c, err := scanConv(rows)
		if err != nil {
			return nil, internal("scan conversation", err)
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list conversations", err)
	}
	return out, nil
}

// Conversation returns a conversation with its items, notes and replies,
// and audits the read.
func (s *Store) Conversation(ctx context.Context, actor rapport.Actor, id string) (*rapport.ConversationDetail, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	c, err := scanConv(s.r.QueryRowContext(ctx, s.q(`SELECT `+convCols+` FROM inbox_conversations WHERE org_id = ? AND id = ?`), actor.OrgID, id))
	if err != nil {
		return nil, notFound("conversation", err)
	}
	d := &rapport.ConversationDetail{Conversation: *c, Items: []rapport.InboxItem{}, Notes: []rapport.Note{}, Replies: []rapport.Reply{}}
	if err := s.conversationItems(ctx, actor.OrgID, d); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, conversation_id, author_id, author_name, text, created_at FROM inbox_notes
		WHERE org_id = ? AND conversation_id = ? ORDER BY created_at, id`), actor.OrgID, id)
	if err != nil {
		return nil, internal("read notes", err)
	}
	for rows.Next() {
		var n rapport.Note
		var at int64
		if err := rows.Scan(&n.ID, &n.ConversationID, &n.AuthorID, &n.AuthorName, &n.Text, &at); err != nil {
			rows.Close()
			return nil, internal("scan note", err)
		}
		n.CreatedAt = fromMicros(at)
		d.Notes = append(d.Notes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("read notes", err)
	}
	rows, err = s.r.QueryContext(ctx, s.q(`SELECT `+replyCols+` FROM inbox_replies WHERE org_id = ? AND conversation_id = ? ORDER BY created_at, id`),
		actor.OrgID, id)
	if err != nil {
		return nil, internal("read replies", err)
	}
	for rows.Next() {
		r, err := scanReply(rows)
		if err != nil {
			rows.Close()
			return nil, internal("scan reply", err)
		}
		d.Replies = append(d.Replies, *r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, internal("read replies", err)
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditRead, "Conversation")
	e.EntityIDs = []string{id}
	e.Detail = fmt.Sprintf("%d items", len(d.Items))
	if err := s.audited(ctx, e); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Store) conversationItems(ctx context.Context, orgID string, d *rapport.ConversationDetail) error {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, conversation_id, network, account_id, network_id, parent_id, root_id, kind, author_id,
		author_handle, author_name, text, url, rating, private, created_at, received_at, queue, triage
		FROM inbox_items WHERE org_id = ? AND conversation_id = ? ORDER BY received_at, id`), orgID, d.ID)
	if err != nil {
		return internal("read items", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it rapport.InboxItem
		var network, kind, tri string
		var private int
		var created, received int64
		if err := rows.Scan(&it.ID, &it.ConversationID, &network, &it.AccountID, &it.NetworkID, &it.ParentID, &it.RootID, &kind,
			&it.AuthorID, &it.AuthorHandle, &it.AuthorName, &it.Text, &it.URL, &it.Rating, &private, &created, &received,
			&it.Queue, &tri); err != nil {
			return internal("scan item", err)
		}
		if err := json.Unmarshal([]byte(tri), &it.Triage); err != nil {
			return internal("item triage", err)
		}
		it.OrgID, it.Network, it.Kind, it.Private = orgID, rapport.Network(network), rapport.ItemKind(kind), private != 0
		it.CreatedAt, it.ReceivedAt = fromMicros(created), fromMicros(received)
		d.Items = append(d.Items, it)
	}
	if err := rows.Err(); err != nil {
		return internal("read items", err)
	}
	return nil
}

// updateConv locks a conversation, lets fn change it, writes it back and
// audits the change in the same transaction.
func (s *Store) updateConv(ctx context.Context, actor rapport.Actor, id, detail string, fn func(tx *sql.Tx, c *rapport.Conversation) error) (*rapport.Conversation, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	var out *rapport.Conversation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanConv(tx.QueryRowContext(ctx, s.q(`SELECT `+convCols+` FROM inbox_conversations WHERE org_id = ? AND id = ?`+s.d.ForUpdate),
			actor.OrgID, id))
		if err != nil {
			return notFound("conversation", err)
		}
		if err := fn(tx, c); err != nil {
			return err
		}
		tags, _ := json.Marshal(c.Tags)
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE inbox_conversations SET status = ?, queue = ?, assignee = ?, tags = ?, patient_id = ?,
			assigned_at = ?, resolved_at = ? WHERE org_id = ? AND id = ?`),
			string(c.Status), c.Queue, c.Assignee, string(tags), c.PatientID, micros(c.AssignedAt), micros(c.ResolvedAt),
			actor.OrgID, id); err != nil {
			return internal("update conversation", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "Conversation")
		e.EntityIDs = []string{id}
		if c.PatientID != "" {
			e.EntityIDs = append(e.EntityIDs, c.PatientID)
		}
		e.Detail = detail
		out = c
		return s.appendAudit(ctx, tx, &e)
	})
	return out, err
}

func (s *Store) isUser(ctx context.Context, tx *sql.Tx, orgID, userID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM users WHERE org_id = ? AND id = ? AND disabled = 0`), orgID, userID).Scan(&n); err != nil {
		return internal("find user", err)
	}
	if n == 0 {
		return rapport.Errorf(rapport.EINVALID, "assignee: not an active user of this organisation")
	}
	return nil
}

func (s *Store) assignTo(c *rapport.Conversation, userID string) {
	c.Assignee = userID
	c.AssignedAt = time.Time{}
	if userID != "" {
		c.AssignedAt = s.clock()
		if c.Status == rapport.StatusNew {
			c.Status = rapport.StatusOpen
		}
	}
}

// Assign gives a conversation to a user of the organisation.
func (s *Store) Assign(ctx context.Context, actor rapport.Actor, id, userID string) (*rapport.Conversation, error) {
	return s.updateConv(ctx, actor, id, "assign", func(tx *sql.Tx, c *rapport.Conversation) error {
		if userID != "" {
			if err := s.isUser(ctx, tx, actor.OrgID, userID); err != nil {
				return err
			}
		}
		s.assignTo(c, userID)
		return nil
	})
}

// Claim gives an unassigned conversation to the actor.
func (s *Store) Claim(ctx context.Context, actor rapport.Actor, id string) (*rapport.Conversation, error) {
	if actor.UserID == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "claiming needs a signed-in user")
	}
	return s.updateConv(ctx, actor, id, "claim", func(tx *sql.Tx, c *rapport.Conversation) error {
		if c.Assignee != "" && c.Assignee != actor.UserID {
			return rapport.Errorf(rapport.ECONFLICT, "conversation is already assigned")
		}
		s.assignTo(c, actor.UserID)
		return nil
	})
}

// AssignRoundRobin assigns to the least recently assigned agent under
// capacity.
func (s *Store) AssignRoundRobin(ctx context.Context, actor rapport.Actor, id string, agents []rapport.Agent) (*rapport.Conversation, error) {
	if len(agents) == 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "agents: none configured for round-robin assignment")
	}
	return s.updateConv(ctx, actor, id, "assign round-robin", func(tx *sql.Tx, c *rapport.Conversation) error {
		type load struct {
			open int
			last int64
		}
		loads := map[string]load{}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT assignee, SUM(CASE WHEN status <> 'resolved' THEN 1 ELSE 0 END), MAX(assigned_at)
			FROM inbox_conversations WHERE org_id = ? AND assignee <> '' AND id <> ? GROUP BY assignee`), actor.OrgID, id)
		if err != nil {
			return internal("agent load", err)
		}
		for rows.Next() {
			var who string
			var l load
			if err := rows.Scan(&who, &l.open, &l.last); err != nil {
				rows.Close()
				return internal("agent load", err)
			}
			loads[who] = l
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("agent load", err)
		}
		best := -1
		for i, a := range agents {
			l := loads[a.UserID]
			if a.Capacity > 0 && l.open >= a.Capacity {
				continue
			}
			if best < 0 || l.last < loads[agents[best].UserID].last {
				best = i
			}
		}
		if best < 0 {
			return rapport.Errorf(rapport.ECONFLICT, "every agent is at capacity")
		}
		if err := s.isUser(ctx, tx, actor.OrgID, agents[best].UserID); err != nil {
			return err
		}
		s.assignTo(c, agents[best].UserID)
		return nil
	})
}

// SetStatus moves a conversation to st. Resolving records the resolution
// time; leaving resolved clears it.
func (s *Store) SetStatus(ctx context.Context, actor rapport.Actor, id string, st rapport.ConversationStatus) (*rapport.Conversation, error) {
	if _, err := rapport.ParseConversationStatus(string(st)); err != nil {
		return nil, err
	}
	return s.updateConv(ctx, actor, id, "status "+string(st), func(_ *sql.Tx, c *rapport.Conversation) error {
		if st == rapport.StatusResolved && c.Status != rapport.StatusResolved {
			c.ResolvedAt = s.clock()
		}
		if st != rapport.StatusResolved {
			c.ResolvedAt = time.Time{}
		}
		c.Status = st
		return nil
	})
}

// Tag adds and removes tags (trimmed, lower-cased, at most 32 of 64 chars).
func (s *Store) Tag(ctx context.Context, actor rapport.Actor, id string, add, remove []string) (*rapport.Conversation, error) {
	norm := func(field string, in []string) ([]string, error) {
		var out []string
		for i, t := range in {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" || len(t) > 64 {
				return nil, rapport.Errorf(rapport.EINVALID, "%s[%d]: a tag has 1 to 64 characters", field, i)
			}
			out = append(out, t)
		}
		return out, nil
	}
	add, err := norm("add", add)
	if err != nil {
		return nil, err
	}
	remove, err = norm("remove", remove)
	if err != nil {
		return nil, err
	}
	return s.updateConv(ctx, actor, id, "tags", func(_ *sql.Tx, c *rapport.Conversation) error {
		for _, t := range add {
			if !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
		c.Tags = slices.DeleteFunc(c.Tags, func(t string) bool { return slices.Contains(remove, t) })
		if len(c.Tags) > 32 {
			return rapport.Errorf(rapport.EINVALID, "add: a conversation has at most 32 tags")
		}
		slices.Sort(c.Tags)
		return nil
	})
}

// LinkPatient links a conversation to a patient by explicit staff action.
func (s *Store) LinkPatient(ctx context.Context, actor rapport.Actor, id, patientID string) (*rapport.Conversation, error) {
	return s.updateConv(ctx, actor, id, "link patient", func(tx *sql.Tx, c *rapport.Conversation) error {
		if patientID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM patients WHERE org_id = ? AND id = ?`), actor.OrgID, patientID).Scan(&n); err != nil {
				return internal("find patient", err)
			}
			if n == 0 {
				return rapport.Errorf(rapport.ENOTFOUND, "patient not found")
			}
		}
		c.PatientID = patientID
		return nil
	})
}

func (s *Store) convExists(ctx context.Context, tx *sql.Tx, orgID, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM inbox_conversations WHERE org_id = ? AND id = ?`), orgID, id).Scan(&n); err != nil {
		return internal("find conversation", err)
	}
	if n == 0 {
		return rapport.Errorf(rapport.ENOTFOUND, "conversation not found")
	}
	return nil
}

// AddNote adds an internal note.
func (s *Store) AddNote(ctx context.Context, actor rapport.Actor, n *rapport.Note) error {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return err
	}
	if strings.TrimSpace(n.Text) == "" || len(n.Text) > 10000 {
		return rapport.Errorf(rapport.EINVALID, "text: a note has 1 to 10,000 characters")
	}
	n.ID, n.AuthorID, n.AuthorName, n.CreatedAt = newID(), actor.UserID, actor.Name, s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.convExists(ctx, tx, actor.OrgID, n.ConversationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO inbox_notes (id, org_id, conversation_id, author_id, author_name, text, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), n.ID, actor.OrgID, n.ConversationID, n.AuthorID, n.AuthorName, n.Text, micros(n.CreatedAt)); err != nil {
			return internal("insert note", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Note")
		e.EntityIDs = []string{n.ConversationID, n.ID}
		return s.appendAudit(ctx, tx, &e)
	})
}

const replyCols = `id, conversation_id, in_reply_to, author_id, text, private, verdict, state, network_id, created_at, sent_at`

func scanReply(row rowScanner) (*rapport.Reply, error) {
	var r rapport.Reply
	var private int
	var created, sent int64
	if err := row.Scan(&r.ID, &r.ConversationID, &r.InReplyTo, &r.AuthorID, &r.Text, &private, &r.Verdict, &r.State, &r.NetworkID,
		&created, &sent); err != nil {
		return nil, err
	}
	r.Private, r.CreatedAt, r.SentAt = private != 0, fromMicros(created), fromMicros(sent)
	return &r, nil
}

// RecordReply records an outbound reply, pending or blocked.
func (s *Store) RecordReply(ctx context.Context, actor rapport.Actor, r *rapport.Reply) error {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return err
	}
	if r.State != rapport.ReplyPending && r.State != rapport.ReplyBlocked {
		return rapport.Errorf(rapport.EINVALID, "state: a new reply is pending or blocked")
	}
	if strings.TrimSpace(r.Text) == "" {
		return rapport.Errorf(rapport.EINVALID, "text: required")
	}
	r.ID, r.AuthorID, r.CreatedAt = newID(), actor.UserID, s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.convExists(ctx, tx, actor.OrgID, r.ConversationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO inbox_replies (id, org_id, conversation_id, in_reply_to, author_id, text, private,
			verdict, state, network_id, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, 0)`),
			r.ID, actor.OrgID, r.ConversationID, r.InReplyTo, r.AuthorID, r.Text, boolInt(r.Private), r.Verdict, r.State,
			micros(r.CreatedAt)); err != nil {
			return internal("insert reply", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Reply")
		e.EntityIDs = []string{r.ConversationID, r.ID}
		e.Detail = r.State
		return s.appendAudit(ctx, tx, &e)
	})
}

// FinishReply records the outcome of sending a pending reply.
func (s *Store) FinishReply(ctx context.Context, actor rapport.Actor, replyID, state, networkID string) (*rapport.Reply, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	if state != rapport.ReplySent && state != rapport.ReplyFailed {
		return nil, rapport.Errorf(rapport.EINVALID, "state: a reply finishes sent or failed")
	}
	var out *rapport.Reply
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanReply(tx.QueryRowContext(ctx, s.q(`SELECT `+replyCols+` FROM inbox_replies WHERE org_id = ? AND id = ?`+s.d.ForUpdate),
			actor.OrgID, replyID))
		if err != nil {
			return notFound("reply", err)
		}
		if r.State != rapport.ReplyPending {
			return rapport.Errorf(rapport.ECONFLICT, "reply is already %s", r.State)
		}
		r.State, r.NetworkID = state, networkID
		if state == rapport.ReplySent {
			r.SentAt = s.clock()
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE inbox_replies SET state = ?, network_id = ?, sent_at = ? WHERE org_id = ? AND id = ?`),
			r.State, r.NetworkID, micros(r.SentAt), actor.OrgID, r.ID); err != nil {
			return internal("update reply", err)
		}
		if state == rapport.ReplySent {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE inbox_conversations SET first_response_at = ?,
				status = CASE WHEN status = 'new' THEN 'open' ELSE status END
				WHERE org_id = ? AND id = ? AND first_response_at = 0`), micros(r.SentAt), actor.OrgID, r.ConversationID); err != nil {
				return internal("first response", err)
			}
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "Reply")
		e.EntityIDs = []string{r.ConversationID, r.ID}
		e.Detail = state
		out = r
		return s.appendAudit(ctx, tx, &e)
	})
	return out, err
}

// CannedReplies lists the organisation's canned replies by title.
func (s *Store) CannedReplies(ctx context.Context, actor rapport.Actor) ([]rapport.CannedReply, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, title, text, updated_at FROM inbox_canned WHERE org_id = ? ORDER BY title, id`), actor.OrgID)
	if err != nil {
		return nil, internal("list canned replies", err)
	}
	defer rows.Close()
	out := []rapport.CannedReply{}
	for rows.Next() {
		var c rapport.CannedReply
		var at int64
		if err := rows.Scan(&c.ID, &c.Title, &c.Text, &at); err != nil {
			return nil, internal("scan canned reply", err)
		}
		c.UpdatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCannedReply creates (empty ID) or updates a canned reply.
func (s *Store) SaveCannedReply(ctx context.Context, actor rapport.Actor, c *rapport.CannedReply) error {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return err
	}
	if strings.TrimSpace(c.Title) == "" || len(c.Title) > 200 {
		return rapport.Errorf(rapport.EINVALID, "title: 1 to 200 characters")
	}
	if strings.TrimSpace(c.Text) == "" || len(c.Text) > 10000 {
		return rapport.Errorf(rapport.EINVALID, "text: 1 to 10,000 characters")
	}
	c.UpdatedAt = s.clock()
	if c.ID == "" {
		c.ID = newID()
		if _, err := s.w.ExecContext(ctx, s.q(`INSERT INTO inbox_canned (id, org_id, title, text, updated_at) VALUES (?, ?, ?, ?, ?)`),
			c.ID, actor.OrgID, c.Title, c.Text, micros(c.UpdatedAt)); err != nil {
			return internal("insert canned reply", err)
		}
		return nil
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE inbox_canned SET title = ?, text = ?, updated_at = ? WHERE org_id = ? AND id = ?`),
		c.Title, c.Text, micros(c.UpdatedAt), actor.OrgID, c.ID)
	if err != nil {
		return internal("update canned reply", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rapport.Errorf(rapport.ENOTFOUND, "canned reply not found")
	}
	return nil
}

// DeleteCannedReply deletes a canned reply.
func (s *Store) DeleteCannedReply(ctx context.Context, actor rapport.Actor, id string) error {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM inbox_canned WHERE org_id = ? AND id = ?`), actor.OrgID, id)
	if err != nil {
		return internal("delete canned reply", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rapport.Errorf(rapport.ENOTFOUND, "canned reply not found")
	}
	return nil
}

// Cursor returns a connector account's saved fetch cursor ("" if none).
func (s *Store) Cursor(ctx context.Context, actor rapport.Actor, network rapport.Network, accountID string) (string, error) {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return "", err
	}
	var c string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT cursor FROM inbox_cursors WHERE org_id = ? AND network = ? AND account_id = ?`),
		actor.OrgID, string(network), accountID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", internal("read cursor", err)
	}
	return c, nil
}

// SetCursor saves a connector account's fetch cursor. An empty cursor is
// never stored over a saved one.
func (s *Store) SetCursor(ctx context.Context, actor rapport.Actor, network rapport.Network, accountID, cursor string) error {
	if err := actor.Require(rapport.PermInboxWork); err != nil {
		return err
	}
	if cursor == "" {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, s.q(`INSERT INTO inbox_cursors (org_id, network, account_id, cursor, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id, network, account_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`),
		actor.OrgID, string(network), accountID, cursor, micros(s.clock())); err != nil {
		return internal("save cursor", err)
	}
	return nil
}
