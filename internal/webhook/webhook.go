package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport-health/rapport"
)

// Limits and defaults.
const (
	SignatureHeader  = "X-Rapport-Signature"
	DefaultTolerance = 5 * time.Minute
	DefaultMaxBody   = 1 << 20
	MaxItems         = 100
	MaxTextRunes     = 10000
)

// Config configures a Handler.
type Config struct {
	// Secrets are the accepted signing secrets (more than one during a
	// rotation). At least one is required.
	Secrets []string
	// AccountID is set as the AccountID of every item (the connected
	// source this endpoint belongs to).
	AccountID string
	// Deliver receives the items of one request; an error answers 500 so
	// the sender retries.
	Deliver   func(ctx context.Context, items []rapport.SocialItem) error
	Logger    *slog.Logger
	Tolerance time.Duration // default DefaultTolerance
	MaxBody   int64         // default DefaultMaxBody
	Now       func() time.Time
}

// Handler is the webhook endpoint: POST only.
type Handler struct{ cfg Config }

// NewHandler validates cfg.
func NewHandler(cfg Config) (*Handler, error) {
	if len(cfg.Secrets) == 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "webhook secrets: at least one required")
	}
	for i, s := range cfg.Secrets {
		if len(s) < 16 {
			return nil, rapport.Errorf(rapport.EINVALID, "webhook secrets[%d]: at least 16 bytes", i)
		}
	}
	if cfg.Deliver == nil {
		return nil, rapport.Errorf(rapport.EINVALID, "webhook deliver callback: required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg}, nil
}

// Sign returns the X-Rapport-Signature value for body at time t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Signature errors; the handler maps them to 401.
var (
	ErrNoSignature      = errors.New("webhook: missing signature")
	ErrBadSignature     = errors.New("webhook: malformed signature header")
	ErrStaleSignature   = errors.New("webhook: signature timestamp outside the tolerance")
	ErrSignatureInvalid = errors.New("webhook: no signature matches")
)

// Verify checks a signature header against body at time now.
func Verify(secrets []string, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if header == "" {
		return ErrNoSignature
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadSignature
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return ErrBadSignature
			}
			sigs = append(sigs, b)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStaleSignature
	}
	for _, s := range secrets {
		want, _ := hex.DecodeString(mac(s, ts, body))
		for _, got := range sigs {
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrSignatureInvalid
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, ok := ReadBody(w, r, h.cfg.MaxBody, h.cfg.Logger)
	if !ok {
		return
	}
	if err := Verify(h.cfg.Secrets, r.Header.Get(SignatureHeader), body, h.cfg.Now(), h.cfg.Tolerance); err != nil {
		// Never log the payload: it is unauthenticated and may hold PHI.
		h.cfg.Logger.Warn("webhook signature rejected", "reason", err.Error(), "remote_addr", r.RemoteAddr, "body_bytes", len(body))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	items, err := Parse(body, h.cfg.AccountID)
	if err != nil {
		h.cfg.Logger.Warn("webhook payload rejected", "error", rapport.ErrorMessage(err), "body_bytes", len(body))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": rapport.ErrorMessage(err)})
		return
	}
	if err := h.cfg.Deliver(r.Context(), items); err != nil {
		h.cfg.Logger.Error("webhook delivery failed", "error", err, "items", len(items))
		http.Error(w, "try again later", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"accepted":%d}`+"\n", len(items))
}

type author struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Handle string `json:"handle"`
}

type item struct {
	Source    string  `json:"source"`
	ID        string  `json:"id"`
	Parent    string  `json:"parent"`
	Kind      string  `json:"kind"`
	Author    *author `json:"author"`
	Text      string  `json:"text"`
	Rating    int     `json:"rating"`
	URL       string  `json:"url"`
	CreatedAt string  `json:"created_at"`
	Private   bool    `json:"private"`
}

type body struct {
	Items []item `json:"items"`
}

func invalid(format string, args ...any) error {
	return rapport.Errorf(rapport.EINVALID, format, args...)
}

// Parse validates a body against the schema in the package documentation
// and returns its items. Errors are EINVALID and name the field, e.g.
// "items[2].rating: must be 1 to 5"; they never quote the text.
func Parse(data []byte, accountID string) ([]rapport.SocialItem, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b body
	if err := dec.Decode(&b); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return nil, &rapport.Error{Code: rapport.EINVALID, Message: fmt.Sprintf("%s: wrong type (want %s)", ute.Field, ute.Type), Err: err}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, &rapport.Error{Code: rapport.EINVALID, Message: "unknown field " + f, Err: err}
		}
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "body: malformed JSON", Err: err}
	}
	if dec.More() {
		return nil, invalid("body: trailing data after the JSON object")
	}
	if b.Items == nil {
		return nil, invalid("items: required")
	}
	if len(b.Items) > MaxItems {
		return nil, invalid("items: %d items, at most %d", len(b.Items), MaxItems)
	}
	out := make([]rapport.SocialItem, 0, len(b.Items))
	for i, it := range b.Items {
		at := fmt.Sprintf("items[%d]", i)
		if !validSource(it.Source) {
			return nil, invalid("%s.source: required, 1-64 of a-z 0-9 . _ -", at)
		}
		if it.ID == "" || len(it.ID) > 256 || !utf8.ValidString(it.ID) {
			return nil, invalid("%s.id: required, 1-256 bytes of UTF-8", at)
		}
		if len(it.Parent) > 256 || !utf8.ValidString(it.Parent) {
			return nil, invalid("%s.parent: at most 256 bytes of UTF-8", at)
		}
		if it.Rating != 0 && (it.Rating < 1 || it.Rating > 5) {
			return nil, invalid("%s.rating: must be 1 to 5", at)
		}
		if !utf8.ValidString(it.Text) || utf8.RuneCountInString(it.Text) > MaxTextRunes {
			return nil, invalid("%s.text: at most %d characters of UTF-8", at, MaxTextRunes)
		}
		if strings.TrimSpace(it.Text) == "" && it.Rating == 0 {
			return nil, invalid("%s.text: required when there is no rating", at)
		}
		created, err := time.Parse(time.RFC3339, it.CreatedAt)
		if err != nil {
			return nil, invalid("%s.created_at: required, RFC 3339 (2026-11-21T10:00:00Z)", at)
		}
		if it.URL != "" {
			u, err := url.Parse(it.URL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, invalid("%s.url: must be an http(s) URL", at)
			}
		}
		kind, err := parseKind(it)
		if err != nil {
			return nil, invalid("%s.kind: %v", at, err)
		}
		si := rapport.SocialItem{
			Network: rapport.NetworkWebhook, AccountID: accountID, NetworkID: it.Source + ":" + it.ID,
			Kind: kind, Text: it.Text, URL: it.URL, Rating: it.Rating, CreatedAt: created.UTC(),
			Private: it.Private || kind == rapport.KindDM,
		}
		if it.Parent != "" {
			si.ParentID = it.Source + ":" + it.Parent
		}
		if it.Author != nil {
			si.AuthorID, si.AuthorName, si.AuthorHandle = it.Author.ID, it.Author.Name, it.Author.Handle
		}
		out = append(out, si)
	}
	return out, nil
}

func validSource(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func parseKind(it item) (rapport.ItemKind, error) {
	switch it.Kind {
	case "":
		if it.Rating > 0 {
			return rapport.KindReview, nil
		}
		if it.Parent != "" {
			return rapport.KindReply, nil
		}
		return rapport.KindComment, nil
	case "review":
		return rapport.KindReview, nil
	case "comment":
		return rapport.KindComment, nil
	case "mention":
		return rapport.KindMention, nil
	case "reply":
		return rapport.KindReply, nil
	case "dm":
		return rapport.KindDM, nil
	}
	return "", fmt.Errorf("must be review, comment, mention, reply or dm")
}

// ReadBody reads a webhook request's body, at most limit bytes. When it
// cannot (too large: 413, logged without the payload; unreadable: 400) it
// has answered the request and returns false.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64, log *slog.Logger) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.Warn("webhook body too large", "path", r.URL.Path, "remote_addr", r.RemoteAddr, "limit_bytes", limit)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}
