package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/webhook"
)

// DefaultMaxBody bounds a webhook body. Meta batches at most a few hundred
// changes per delivery, far below this.
const DefaultMaxBody = 1 << 20

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the raw
// body keyed with the app secret.
const SignatureHeader = "X-Hub-Signature-256"

// Config configures a Handler.
type Config struct {
	AppSecret   string // the Meta app secret that signs deliveries
	VerifyToken string // the token typed into the app dashboard for the handshake
	// Deliver receives the items of one delivery. An error makes the
	// handler answer 500 so that Meta redelivers later. Items may repeat
	// across deliveries.
	Deliver func(ctx context.Context, items []rapport.SocialItem) error
	Logger  *slog.Logger
	MaxBody int64 // default DefaultMaxBody
}

// Handler is the webhook endpoint, an http.Handler.
type Handler struct {
	cfg Config
}

// NewHandler validates cfg.
func NewHandler(cfg Config) (*Handler, error) {
	switch {
	case cfg.AppSecret == "":
		return nil, rapport.Errorf(rapport.EINVALID, "meta app secret: required")
	case cfg.VerifyToken == "":
		return nil, rapport.Errorf(rapport.EINVALID, "meta verify token: required")
	case cfg.Deliver == nil:
		return nil, rapport.Errorf(rapport.EINVALID, "meta deliver callback: required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	return &Handler{cfg: cfg}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers Meta's subscription check: GET with hub.mode=subscribe,
// hub.verify_token and hub.challenge; the challenge is echoed back.
func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.VerifyToken)) != 1 {
		h.cfg.Logger.Warn("meta webhook handshake rejected", "remote_addr", r.RemoteAddr, "mode", q.Get("hub.mode"))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, q.Get("hub.challenge"))
}

func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	body, ok := webhook.ReadBody(w, r, h.cfg.MaxBody, h.cfg.Logger)
	if !ok {
		return
	}
	if code, reason := CheckSignature(h.cfg.AppSecret, r.Header.Get(SignatureHeader), body); code != 0 {
		// Never log the payload: it is unauthenticated and may hold PHI.
		h.cfg.Logger.Warn("meta webhook signature rejected", "reason", reason, "remote_addr", r.RemoteAddr, "body_bytes", len(body))
		http.Error(w, http.StatusText(code), code)
		return
	}
	items, err := Parse(body)
	if err != nil {
		h.cfg.Logger.Warn("meta webhook payload rejected", "error", err, "body_bytes", len(body))
		http.Error(w, rapport.ErrorMessage(err), http.StatusBadRequest)
		return
	}
	if len(items) > 0 {
		if err := h.cfg.Deliver(r.Context(), items); err != nil {
			h.cfg.Logger.Error("meta webhook delivery failed", "error", err, "items", len(items))
			http.Error(w, "try again later", http.StatusInternalServerError)
			return
		}
	}
	io.WriteString(w, "EVENT_RECEIVED")
}

// CheckSignature verifies header (the X-Hub-Signature-256 value) against
// body. It returns 0 when valid, else 401 when the header is missing and
// 403 when it is malformed or wrong, with a reason for the logs.
func CheckSignature(secret, header string, body []byte) (int, string) {
	if header == "" {
		return http.StatusUnauthorized, "missing signature"
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return http.StatusForbidden, "signature without sha256= prefix"
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return http.StatusForbidden, "malformed signature"
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return http.StatusForbidden, "signature mismatch"
	}
	return 0, ""
}

// Sign returns the X-Hub-Signature-256 value for body, as Meta computes it.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// The payload shapes, from Meta's Webhooks reference for the Page "feed"
// field, the Instagram "comments" field and Messenger "messages".

type payload struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        string      `json:"id"`
	Time      flexTime    `json:"time"`
	Changes   []change    `json:"changes"`
	Messaging []messaging `json:"messaging"`
}

type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type party struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

type feedValue struct {
	Item        string   `json:"item"`
	Verb        string   `json:"verb"`
	CommentID   string   `json:"comment_id"`
	PostID      string   `json:"post_id"`
	ParentID    string   `json:"parent_id"`
	From        party    `json:"from"`
	Message     string   `json:"message"`
	CreatedTime flexTime `json:"created_time"`
}

type igCommentValue struct {
	ID       string `json:"id"`
	ParentID string `json:"parent_id"`
	Text     string `json:"text"`
	From     party  `json:"from"`
	Media    struct {
		ID string `json:"id"`
	} `json:"media"`
}

type messaging struct {
	Sender    party    `json:"sender"`
	Recipient party    `json:"recipient"`
	Timestamp flexTime `json:"timestamp"`
	Message   *struct {
		MID         string            `json:"mid"`
		Text        string            `json:"text"`
		IsEcho      bool              `json:"is_echo"`
		Attachments []json.RawMessage `json:"attachments"`
	} `json:"message"`
}

// flexTime reads the times Meta sends: Unix seconds or milliseconds as a
// number or numeric string, or an ISO 8601 string.
type flexTime struct{ time.Time }

func (t *flexTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e11 { // milliseconds
			t.Time = time.UnixMilli(n).UTC()
		} else {
			t.Time = time.Unix(n, 0).UTC()
		}
		return nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("unrecognised time %q", s)
}

// Parse turns a (signature-checked) webhook body into items. Changes Rapport
// does not handle (likes, removals, the page's own comments, message
// echoes, delivery and read receipts) are skipped; malformed JSON or a
// handled change missing its id is an EINVALID error naming the field.
// Items are returned in delivery order and may repeat across deliveries.
func Parse(body []byte) ([]rapport.SocialItem, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "meta webhook: malformed JSON", Err: err}
	}
	var network rapport.Network
	switch p.Object {
	case "page":
		network = rapport.NetworkFacebook
	case "instagram":
		network = rapport.NetworkInstagram
	default:
		return nil, rapport.Errorf(rapport.EINVALID, "meta webhook object: %q is not page or instagram", truncate(p.Object, 32))
	}
	var items []rapport.SocialItem
	for i, e := range p.Entry {
		for j, c := range e.Changes {
			at := fmt.Sprintf("entry[%d].changes[%d].value", i, j)
			it, ok, err := parseChange(network, e, c, at)
			if err != nil {
				return nil, err
			}
			if ok {
				items = append(items, it)
			}
		}
		for j, m := range e.Messaging {
			at := fmt.Sprintf("entry[%d].messaging[%d]", i, j)
			if m.Message == nil || m.Message.IsEcho {
				continue
			}
			if m.Message.MID == "" {
				return nil, rapport.Errorf(rapport.EINVALID, "meta webhook %s.message.mid: required", at)
			}
			if m.Sender.ID == "" {
				return nil, rapport.Errorf(rapport.EINVALID, "meta webhook %s.sender.id: required", at)
			}
			text := m.Message.Text
			if text == "" && len(m.Message.Attachments) > 0 {
				text = "[attachment]"
			}
			account := m.Recipient.ID
			if account == "" {
				account = e.ID
			}
			items = append(items, rapport.SocialItem{
				Network: network, AccountID: account, NetworkID: m.Message.MID, Kind: rapport.KindDM,
				AuthorID: m.Sender.ID, Text: text, CreatedAt: m.Timestamp.Time, Private: true,
			})
		}
	}
	return items, nil
}

func parseChange(network rapport.Network, e entry, c change, at string) (rapport.SocialItem, bool, error) {
	switch {
	case network == rapport.NetworkFacebook && c.Field == "feed":
		var v feedValue
		if err := json.Unmarshal(c.Value, &v); err != nil {
			return rapport.SocialItem{}, false, &rapport.Error{Code: rapport.EINVALID, Message: "meta webhook " + at + ": malformed", Err: err}
		}
		if v.Item != "comment" || (v.Verb != "add" && v.Verb != "edited") || (v.From.ID != "" && v.From.ID == e.ID) {
			return rapport.SocialItem{}, false, nil
		}
		if v.CommentID == "" {
			return rapport.SocialItem{}, false, rapport.Errorf(rapport.EINVALID, "meta webhook %s.comment_id: required", at)
		}
		if v.PostID == "" {
			return rapport.SocialItem{}, false, rapport.Errorf(rapport.EINVALID, "meta webhook %s.post_id: required", at)
		}
		it := rapport.SocialItem{
			Network: network, AccountID: e.ID, NetworkID: v.CommentID, RootID: v.PostID, ParentID: v.PostID,
			Kind: rapport.KindComment, AuthorID: v.From.ID, AuthorName: v.From.Name, Text: v.Message,
			CreatedAt: v.CreatedTime.Time,
		}
		if v.ParentID != "" && v.ParentID != v.PostID {
			it.ParentID, it.Kind = v.ParentID, rapport.KindReply
		}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = e.Time.Time
		}
		return it, true, nil
	case network == rapport.NetworkInstagram && (c.Field == "comments" || c.Field == "live_comments"):
		var v igCommentValue
		if err := json.Unmarshal(c.Value, &v); err != nil {
			return rapport.SocialItem{}, false, &rapport.Error{Code: rapport.EINVALID, Message: "meta webhook " + at + ": malformed", Err: err}
		}
		if v.From.ID != "" && v.From.ID == e.ID {
			return rapport.SocialItem{}, false, nil
		}
		if v.ID == "" {
			return rapport.SocialItem{}, false, rapport.Errorf(rapport.EINVALID, "meta webhook %s.id: required", at)
		}
		it := rapport.SocialItem{
			Network: network, AccountID: e.ID, NetworkID: v.ID, RootID: v.Media.ID, ParentID: v.Media.ID,
			Kind: rapport.KindComment, AuthorID: v.From.ID, AuthorHandle: v.From.Username, Text: v.Text,
			CreatedAt: e.Time.Time,
		}
		if v.ParentID != "" {
			it.ParentID, it.Kind = v.ParentID, rapport.KindReply
		}
		return it, true, nil
	}
	return rapport.SocialItem{}, false, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
