package rapport

import (
	"context"
	"time"
)

// Network names a social network or source of inbound items.
type Network string

// The networks Rapport connects to.
const (
	NetworkBluesky   Network = "bluesky"
	NetworkMastodon  Network = "mastodon"
	NetworkFacebook  Network = "facebook"
	NetworkInstagram Network = "instagram"
	NetworkWebhook   Network = "webhook" // the generic JSON webhook: review sites, other tools
)

// ItemKind is what an inbound item is on its network.
type ItemKind string

// Item kinds.
const (
	KindMention ItemKind = "mention"
	KindReply   ItemKind = "reply"
	KindComment ItemKind = "comment"
	KindReview  ItemKind = "review"
	KindDM      ItemKind = "dm"
)

// SocialItem is one inbound message from a network, as a connector sees it,
// before triage. (Network, NetworkID) identifies it: the same item fetched
// twice, or delivered by a webhook and a poll, is one item.
type SocialItem struct {
	Network   Network
	AccountID string // the organisation's connected account it arrived on
	NetworkID string // the network's id (AT URI, status id, comment id…)
	// ParentID and RootID are the network ids of the item it answers and of
	// the first item of its thread; empty for a new thread.
	ParentID string
	RootID   string
	Kind     ItemKind
	// AuthorID is the network's stable id of the author (DID, account id);
	// AuthorHandle and AuthorName are what the author chose to show.
	AuthorID     string
	AuthorHandle string
	AuthorName   string
	Text         string
	URL          string
	Rating       int // 1..5 for reviews, else 0
	CreatedAt    time.Time
	// Private is true for direct messages and other non-public items.
	Private bool
}

// Post is an outbound public post or reply.
type Post struct {
	Text string
	// InReplyTo is the network id of the item answered, or empty.
	InReplyTo string
	// IdempotencyKey lets a connector that supports it refuse a duplicate.
	IdempotencyKey string
}

// PostRef is what a network returns for a published post.
type PostRef struct {
	NetworkID string
	URL       string
}

// IdempotentDMSender is implemented by a Connector whose network refuses a
// repeated direct message carrying the same key within a window (Mastodon
// keeps an Idempotency-Key for an hour), so a message whose fate a crash
// left unknown can be sent again without reaching the recipient twice.
type IdempotentDMSender interface {
	// SendDMOnce is SendDM with an idempotency key.
	SendDMOnce(ctx context.Context, authorID, text, key string) (PostRef, error)
	// DMKeyWindow is how long the network remembers a key.
	DMKeyWindow() time.Duration
}

// AccountMetrics is a snapshot of a connected account, for benchmarking.
type AccountMetrics struct {
	Followers int
	Following int
	Posts     int
	At        time.Time
}

// Connector is one connected account on one network. Each network's
// package (internal/bluesky, internal/mastodon, internal/meta…) implements
// it; the inbox and publishing services consume it.
type Connector interface {
	// Network names the network.
	Network() Network
	// Fetch returns items newer than the cursor and the cursor to pass next
	// time. An empty cursor starts from the network's most recent items.
	Fetch(ctx context.Context, cursor string) ([]SocialItem, string, error)
	// Publish posts publicly (a new post, or a reply when p.InReplyTo is set).
	Publish(ctx context.Context, p Post) (PostRef, error)
	// SendDM sends a private message to the author identified by authorID.
	SendDM(ctx context.Context, authorID, text string) (PostRef, error)
	// Metrics reads the account's public counts.
	Metrics(ctx context.Context) (AccountMetrics, error)
}
