package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rapport-health/rapport"
)

// Defaults for Config's optional fields.
const (
	DefaultWebURL    = "https://bsky.app"
	DefaultPageSize  = 50
	DefaultMaxPages  = 20
	DefaultMaxWait   = time.Minute
	DefaultChatProxy = "did:web:api.bsky.chat#bsky_chat"
)

// Limits of app.bsky.feed.post and chat.bsky.convo messages. Bluesky counts
// graphemes; we count runes, which is never fewer, so a post we accept is
// never too long, though a few emoji-heavy ones near the limit are refused.
const (
	maxPostRunes = 300
	maxPostBytes = 3000
	maxDMRunes   = 1000
)

// postCollection is the NSID of post records.
const postCollection = "app.bsky.feed.post"

// Config configures one connected Bluesky account.
type Config struct {
	// Service is the account's PDS or entryway, e.g. https://bsky.social.
	Service string
	// Identifier is the account's handle or DID; AppPassword an app
	// password made for Rapport (never the account password).
	Identifier  string
	AppPassword string
	// AccountID is Rapport's id of the connected account; it is copied to
	// SocialItem.AccountID and is the SessionStore key.
	AccountID string
	// AppViewProxy, when set, is sent as the atproto-proxy header on
	// app.bsky.* calls (e.g. "did:web:api.bsky.app#bsky_appview"). Empty
	// lets the PDS use its own AppView, which bsky.social and dev-env do.
	AppViewProxy string
	// ChatProxy is the atproto-proxy value for the chat service
	// (DefaultChatProxy on bsky.social). Empty: SendDM is EUNSUPPORTED.
	ChatProxy string
	// WebURL is where SocialItem.URL and PostRef.URL point (DefaultWebURL).
	WebURL string
	// PageSize is listNotifications' page size (1..100, DefaultPageSize)
	// and MaxPages bounds how many pages one Fetch reads (DefaultMaxPages).
	PageSize int
	MaxPages int
	// MaxWait is the longest Fetch or Publish waits for a rate limit to
	// reset before failing with ERATELIMITED (DefaultMaxWait).
	MaxWait time.Duration
	// Sessions persists the session; nil keeps it in memory only.
	Sessions   SessionStore
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Connector is one Bluesky account connected to Rapport.
type Connector struct {
	cfg Config
	pds *xrpc
	log *slog.Logger
	now func() time.Time

	loginMu sync.Mutex // one login or refresh at a time
	mu      sync.Mutex // guards sess
	sess    Session
}

var _ rapport.Connector = (*Connector)(nil)

// New validates cfg and returns a Connector. It does no I/O: the first call
// logs in.
func New(cfg Config) (*Connector, error) {
	u, err := url.Parse(cfg.Service)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "bluesky: service must be an http(s) URL")
	}
	if strings.TrimSpace(cfg.Identifier) == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "bluesky: identifier (handle or DID) is required")
	}
	if cfg.AppPassword == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "bluesky: app password is required")
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > 100 {
		return nil, rapport.Errorf(rapport.EINVALID, "bluesky: page size must be 1..100, got %d", cfg.PageSize)
	}
	if cfg.MaxPages == 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.MaxPages < 1 {
		return nil, rapport.Errorf(rapport.EINVALID, "bluesky: max pages must be positive, got %d", cfg.MaxPages)
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.WebURL == "" {
		cfg.WebURL = DefaultWebURL
	}
	cfg.WebURL = strings.TrimRight(cfg.WebURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Connector{
		cfg: cfg,
		pds: newXRPC(cfg.Service, cfg.HTTPClient, cfg.Now, cfg.MaxWait),
		log: cfg.Logger,
		now: cfg.Now,
	}, nil
}

// Network returns rapport.NetworkBluesky.
func (c *Connector) Network() rapport.Network { return rapport.NetworkBluesky }

// Session returns the current session, logging in if needed; callers use it
// to show which account is connected.
func (c *Connector) Session(ctx context.Context) (Session, error) { return c.session(ctx) }

// strongRef is com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

// postRecord is app.bsky.feed.post, the fields Rapport reads and writes.
type postRecord struct {
	Type      string    `json:"$type"`
	Text      string    `json:"text"`
	CreatedAt string    `json:"createdAt"`
	Reply     *replyRef `json:"reply,omitempty"`
	Facets    []facet   `json:"facets,omitempty"`
}

type notification struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Reason    string          `json:"reason"`
	Record    json.RawMessage `json:"record"`
	IndexedAt string          `json:"indexedAt"`
}

// Fetch returns mentions, replies and quotes of the account newer than
// cursor, oldest first, and the cursor for the next call. An empty cursor
// returns the most recent page. It reads listNotifications newest first
// until it reaches what the cursor has seen, at most MaxPages pages; when
// more is unseen than that, the oldest of it is skipped (and logged).
// Notifications are read without marking them seen, so the account's own
// Bluesky app is not disturbed.
func (c *Connector) Fetch(ctx context.Context, cur string) ([]rapport.SocialItem, string, error) {
	from, err := parseCursor(cur)
	if err != nil {
		return nil, cur, err
	}
	next := from
	var items []rapport.SocialItem
	have := map[string]bool{}
	apiCursor := ""
	reachedSeen := false
	for page := 0; ; page++ {
		if page == c.cfg.MaxPages {
			c.log.Warn("bluesky fetch stopped at the page limit; older unseen notifications skipped",
				"account_id", c.cfg.AccountID, "pages", page)
			break
		}
		q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}, "reasons": {"mention", "reply", "quote"}}
		if apiCursor != "" {
			q.Set("cursor", apiCursor)
		}
		var res struct {
			Cursor        string         `json:"cursor"`
			Notifications []notification `json:"notifications"`
		}
		err := c.authed(ctx, "read notifications", request{
			method: http.MethodGet, nsid: "app.bsky.notification.listNotifications", query: q, proxy: c.cfg.AppViewProxy,
		}, &res)
		if err != nil {
			return nil, cur, err
		}
		for _, n := range res.Notifications {
			at, err := time.Parse(time.RFC3339Nano, n.IndexedAt)
			if err != nil {
				c.log.Warn("bluesky notification without a valid indexedAt; skipped", "uri", n.URI)
				continue
			}
			at = at.UTC()
			if from.isSeen(at, n.URI) {
				reachedSeen = true
				break
			}
			next = next.advance(at, n.URI)
			if !wanted(n.Reason) || have[n.URI] {
				continue
			}
			item, err := c.item(n, at)
			if err != nil {
				c.log.Warn("bluesky notification not mapped; skipped", "uri", n.URI, "error", err)
				continue
			}
			have[n.URI] = true
			items = append(items, item)
		}
		if reachedSeen || from.isZero() || res.Cursor == "" || len(res.Notifications) == 0 {
			break
		}
		apiCursor = res.Cursor
	}
	slices.Reverse(items)
	return items, next.String(), nil
}

// item maps a notification to a SocialItem.
func (c *Connector) item(n notification, indexedAt time.Time) (rapport.SocialItem, error) {
	var rec postRecord
	if err := json.Unmarshal(n.Record, &rec); err != nil {
		return rapport.SocialItem{}, errors.New("record is not a post")
	}
	if !strings.HasPrefix(n.URI, "at://") || n.Author.DID == "" {
		return rapport.SocialItem{}, errors.New("notification lacks uri or author")
	}
	kind := rapport.KindMention
	if n.Reason == "reply" {
		kind = rapport.KindReply
	}
	created, err := time.Parse(time.RFC3339Nano, rec.CreatedAt)
	if err != nil {
		created = indexedAt // createdAt is client-chosen and may be malformed
	}
	it := rapport.SocialItem{
		Network:      rapport.NetworkBluesky,
		AccountID:    c.cfg.AccountID,
		NetworkID:    n.URI,
		Kind:         kind,
		AuthorID:     n.Author.DID,
		AuthorHandle: n.Author.Handle,
		AuthorName:   n.Author.DisplayName,
		Text:         rec.Text,
		URL:          c.webURL(n.URI),
		CreatedAt:    created.UTC(),
	}
	if rec.Reply != nil {
		it.ParentID = rec.Reply.Parent.URI
		it.RootID = rec.Reply.Root.URI
	}
	return it, nil
}

// webURL turns at://did/app.bsky.feed.post/rkey into the post's web page.
func (c *Connector) webURL(uri string) string {
	did, coll, rkey, ok := splitURI(uri)
	if !ok || coll != postCollection {
		return ""
	}
	return c.cfg.WebURL + "/profile/" + did + "/post/" + rkey
}

// splitURI splits an at:// URI of a record.
func splitURI(uri string) (repo, collection, rkey string, ok bool) {
	rest, found := strings.CutPrefix(uri, "at://")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// Publish posts p.Text, as a reply when p.InReplyTo is an at:// URI. With
// p.IdempotencyKey set, the record key is derived from it, so a retry after
// a crash finds the post already made and returns it instead of posting
// again.
func (c *Connector) Publish(ctx context.Context, p rapport.Post) (rapport.PostRef, error) {
	text := strings.TrimSpace(p.Text)
	switch {
	case text == "":
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "a Bluesky post needs text")
	case utf8.RuneCountInString(p.Text) > maxPostRunes || len(p.Text) > maxPostBytes:
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "a Bluesky post is at most %d characters", maxPostRunes)
	case !utf8.ValidString(p.Text):
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "post text is not valid UTF-8")
	}
	s, err := c.session(ctx)
	if err != nil {
		return rapport.PostRef{}, err
	}
	rec := postRecord{
		Type:      postCollection,
		Text:      p.Text,
		CreatedAt: c.now().UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if p.InReplyTo != "" {
		ref, err := c.replyRef(ctx, p.InReplyTo)
		if err != nil {
			return rapport.PostRef{}, err
		}
		rec.Reply = &ref
	}
	rec.Facets, err = c.facets(ctx, p.Text)
	if err != nil {
		return rapport.PostRef{}, err
	}

	body := map[string]any{"repo": s.DID, "collection": postCollection, "record": rec}
	if p.IdempotencyKey != "" {
		rkey := idempotentTID(s.DID, p.IdempotencyKey)
		if ref, found, err := c.existing(ctx, s.DID, rkey); err != nil || found {
			return ref, err
		}
		body["rkey"] = rkey
	}
	var out strongRef
	err = c.authed(ctx, "publish the post", request{method: http.MethodPost, nsid: "com.atproto.repo.createRecord", body: body}, &out)
	if err != nil {
		if p.IdempotencyKey != "" {
			// A concurrent or earlier attempt may have won the race.
			if ref, found, gerr := c.existing(ctx, s.DID, idempotentTID(s.DID, p.IdempotencyKey)); gerr == nil && found {
				return ref, nil
			}
		}
		return rapport.PostRef{}, err
	}
	return rapport.PostRef{NetworkID: out.URI, URL: c.webURL(out.URI)}, nil
}

// existing looks up the account's own post by record key.
func (c *Connector) existing(ctx context.Context, did, rkey string) (rapport.PostRef, bool, error) {
	var out strongRef
	q := url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}
	err := c.authed(ctx, "check for an earlier attempt", request{method: http.MethodGet, nsid: "com.atproto.repo.getRecord", query: q}, &out)
	switch {
	case err == nil && out.URI != "":
		return rapport.PostRef{NetworkID: out.URI, URL: c.webURL(out.URI)}, true, nil
	case err == nil || rapport.ErrorCode(err) == rapport.ENOTFOUND || rapport.ErrorCode(err) == rapport.EINVALID:
		// The PDS answers a missing record with 400 RecordNotFound.
		return rapport.PostRef{}, false, nil
	default:
		return rapport.PostRef{}, false, err
	}
}

// replyRef builds the strong root and parent refs for a reply to uri, from
// the AppView's view of the parent (which knows posts on any PDS).
func (c *Connector) replyRef(ctx context.Context, uri string) (replyRef, error) {
	if _, coll, _, ok := splitURI(uri); !ok || coll != postCollection {
		return replyRef{}, rapport.Errorf(rapport.EINVALID, "can only reply to a Bluesky post (at://…/app.bsky.feed.post/…)")
	}
	var res struct {
		Posts []struct {
			URI    string     `json:"uri"`
			CID    string     `json:"cid"`
			Record postRecord `json:"record"`
		} `json:"posts"`
	}
	err := c.authed(ctx, "find the post being answered", request{
		method: http.MethodGet, nsid: "app.bsky.feed.getPosts", query: url.Values{"uris": {uri}}, proxy: c.cfg.AppViewProxy,
	}, &res)
	if err != nil {
		return replyRef{}, err
	}
	if len(res.Posts) == 0 || res.Posts[0].CID == "" {
		return replyRef{}, rapport.Errorf(rapport.ENOTFOUND, "the Bluesky post being answered no longer exists")
	}
	parent := strongRef{URI: res.Posts[0].URI, CID: res.Posts[0].CID}
	root := parent
	if r := res.Posts[0].Record.Reply; r != nil && r.Root.URI != "" && r.Root.CID != "" {
		root = r.Root
	}
	return replyRef{Root: root, Parent: parent}, nil
}

// facets resolves the mentions and links in text. A handle that does not
// resolve stays plain text.
func (c *Connector) facets(ctx context.Context, text string) ([]facet, error) {
	var out []facet
	for _, sp := range findSpans(text) {
		f := facet{Index: facetIndex{ByteStart: sp.start, ByteEnd: sp.end}}
		if sp.link != "" {
			f.Features = []facetFeature{{Type: "app.bsky.richtext.facet#link", URI: sp.link}}
			out = append(out, f)
			continue
		}
		var res struct {
			DID string `json:"did"`
		}
		err := c.authed(ctx, "resolve a mentioned handle", request{
			method: http.MethodGet, nsid: "com.atproto.identity.resolveHandle", query: url.Values{"handle": {sp.mention}},
		}, &res)
		switch code := rapport.ErrorCode(err); {
		case err == nil && strings.HasPrefix(res.DID, "did:"):
			f.Features = []facetFeature{{Type: "app.bsky.richtext.facet#mention", DID: res.DID}}
			out = append(out, f)
		case err == nil || code == rapport.EINVALID || code == rapport.ENOTFOUND:
			// not a handle anyone has: leave it as text
		default:
			return nil, err
		}
	}
	return out, nil
}

// SendDM sends text to the account whose DID is authorID through the chat
// service (chat.bsky.convo.getConvoForMembers, then sendMessage). Without a
// ChatProxy it returns an EUNSUPPORTED error. The returned NetworkID is
// "convoID/messageID". The app password must allow direct messages.
func (c *Connector) SendDM(ctx context.Context, authorID, text string) (rapport.PostRef, error) {
	if c.cfg.ChatProxy == "" {
		return rapport.PostRef{}, &rapport.Error{Code: EUNSUPPORTED,
			Message: "Bluesky direct messages need the chat service, which is not configured for this account"}
	}
	if !strings.HasPrefix(authorID, "did:") {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "a Bluesky direct message needs the recipient's DID")
	}
	if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > maxDMRunes || !utf8.ValidString(text) {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "a Bluesky direct message needs 1..%d characters of text", maxDMRunes)
	}
	var convo struct {
		Convo struct {
			ID string `json:"id"`
		} `json:"convo"`
	}
	err := c.authed(ctx, "open a direct conversation", request{
		method: http.MethodGet, nsid: "chat.bsky.convo.getConvoForMembers",
		query: url.Values{"members": {authorID}}, proxy: c.cfg.ChatProxy,
	}, &convo)
	if err != nil {
		return rapport.PostRef{}, err
	}
	if convo.Convo.ID == "" {
		return rapport.PostRef{}, &rapport.Error{Code: rapport.EINTERNAL, Message: "Bluesky did not open a conversation"}
	}
	var msg struct {
		ID string `json:"id"`
	}
	err = c.authed(ctx, "send the direct message", request{
		method: http.MethodPost, nsid: "chat.bsky.convo.sendMessage", proxy: c.cfg.ChatProxy,
		body: map[string]any{"convoId": convo.Convo.ID, "message": map[string]string{"text": text}},
	}, &msg)
	if err != nil {
		return rapport.PostRef{}, err
	}
	return rapport.PostRef{NetworkID: convo.Convo.ID + "/" + msg.ID}, nil
}

// Metrics reads the account's follower, follow and post counts from
// app.bsky.actor.getProfile.
func (c *Connector) Metrics(ctx context.Context) (rapport.AccountMetrics, error) {
	s, err := c.session(ctx)
	if err != nil {
		return rapport.AccountMetrics{}, err
	}
	var p struct {
		Followers int `json:"followersCount"`
		Follows   int `json:"followsCount"`
		Posts     int `json:"postsCount"`
	}
	err = c.authed(ctx, "read the account's profile", request{
		method: http.MethodGet, nsid: "app.bsky.actor.getProfile", query: url.Values{"actor": {s.DID}}, proxy: c.cfg.AppViewProxy,
	}, &p)
	if err != nil {
		return rapport.AccountMetrics{}, err
	}
	return rapport.AccountMetrics{Followers: p.Followers, Following: p.Follows, Posts: p.Posts, At: c.now().UTC()}, nil
}

// wanted reports whether a notification reason becomes an inbox item.
func wanted(reason string) bool {
	switch reason {
	case "mention", "reply", "quote":
		return true
	}
	return false
}
