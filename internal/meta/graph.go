package meta

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
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// DefaultGraphURL is the Graph API base URL with the version Rapport was
// written against.
const DefaultGraphURL = "https://graph.facebook.com/v21.0"

// ErrRateLimited is the cause when the Graph API reports a rate limit
// (error codes 4, 17, 32, 613 or HTTP 429).
var ErrRateLimited = errors.New("meta: rate limited")

// GraphConfig configures a GraphClient.
type GraphConfig struct {
	BaseURL   string // default DefaultGraphURL
	PageToken string // a Page access token with pages_manage_engagement and pages_messaging
	// AppSecret, when set, adds appsecret_proof to every call, as apps that
	// enable "Require App Secret" must.
	AppSecret  string
	HTTPClient *http.Client
}

// GraphClient answers on Facebook and Instagram through the Graph API.
type GraphClient struct {
	cfg  GraphConfig
	base string
}

// NewGraphClient validates cfg. It does no I/O.
func NewGraphClient(cfg GraphConfig) (*GraphClient, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultGraphURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "meta graph base URL %q: want an http(s) URL", cfg.BaseURL)
	}
	if cfg.PageToken == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "meta page token: required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &GraphClient{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/")}, nil
}

// ReplyToComment answers a Facebook comment: POST /{comment-id}/comments.
func (g *GraphClient) ReplyToComment(ctx context.Context, commentID, text string) (rapport.PostRef, error) {
	return g.reply(ctx, commentID, "comments", text)
}

// ReplyToInstagramComment answers an Instagram comment: POST /{ig-comment-id}/replies.
func (g *GraphClient) ReplyToInstagramComment(ctx context.Context, commentID, text string) (rapport.PostRef, error) {
	return g.reply(ctx, commentID, "replies", text)
}

func (g *GraphClient) reply(ctx context.Context, commentID, edge, text string) (rapport.PostRef, error) {
	if commentID == "" || strings.ContainsAny(commentID, "/?#") {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "meta comment id: required, without / ? or #")
	}
	if strings.TrimSpace(text) == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "meta reply: text required")
	}
	var out struct {
		ID string `json:"id"`
	}
	form := url.Values{"message": {text}}
	if err := g.call(ctx, "/"+commentID+"/"+edge, "application/x-www-form-urlencoded", []byte(form.Encode()), &out); err != nil {
		return rapport.PostRef{}, err
	}
	if out.ID == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINTERNAL, "meta reply: the Graph API returned no id")
	}
	return rapport.PostRef{NetworkID: out.ID}, nil
}

// SendMessage sends a Messenger (or Instagram) message to the page-scoped
// id of a person who wrote to the page: POST /me/messages with
// messaging_type RESPONSE, allowed within Meta's 24-hour window.
func (g *GraphClient) SendMessage(ctx context.Context, recipientID, text string) (rapport.PostRef, error) {
	if recipientID == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "meta message recipient: required")
	}
	if strings.TrimSpace(text) == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "meta message: text required")
	}
	body, err := json.Marshal(map[string]any{
		"recipient":      map[string]string{"id": recipientID},
		"messaging_type": "RESPONSE",
		"message":        map[string]string{"text": text},
	})
	if err != nil {
		return rapport.PostRef{}, fmt.Errorf("meta message: %w", err)
	}
	var out struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := g.call(ctx, "/me/messages", "application/json", body, &out); err != nil {
		return rapport.PostRef{}, err
	}
	if out.MessageID == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINTERNAL, "meta message: the Graph API returned no message id")
	}
	return rapport.PostRef{NetworkID: out.MessageID}, nil
}

type graphError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

func (g *GraphClient) call(ctx context.Context, path, contentType string, body []byte, out any) error {
	u := g.base + path
	if g.cfg.AppSecret != "" {
		mac := hmac.New(sha256.New, []byte(g.cfg.AppSecret))
		mac.Write([]byte(g.cfg.PageToken))
		u += "?appsecret_proof=" + hex.EncodeToString(mac.Sum(nil))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("meta graph %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+g.cfg.PageToken)
	req.Header.Set("Content-Type", contentType)
	resp, err := g.cfg.HTTPClient.Do(req)
	if err != nil {
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "meta graph API unreachable", Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "meta graph response unreadable", Err: err}
	}
	if resp.StatusCode/100 != 2 {
		var ge graphError
		_ = json.Unmarshal(data, &ge) // only a hint
		cause := fmt.Errorf("POST %s: HTTP %d: code %d/%d %s (trace %s)", path, resp.StatusCode, ge.Error.Code, ge.Error.Subcode, ge.Error.Type, ge.Error.FBTraceID)
		switch c := ge.Error.Code; {
		case c == 190 || resp.StatusCode == http.StatusUnauthorized:
			return &rapport.Error{Code: rapport.EUNAUTHORIZED, Message: "meta rejected the page token; reconnect the page", Err: cause}
		case c == 4 || c == 17 || c == 32 || c == 613 || resp.StatusCode == http.StatusTooManyRequests:
			return &rapport.Error{Code: rapport.EINTERNAL, Message: "meta rate limit reached; retry later", Err: fmt.Errorf("%w: %w", ErrRateLimited, cause)}
		case c == 10 || (c >= 200 && c <= 299) || resp.StatusCode == http.StatusForbidden:
			return &rapport.Error{Code: rapport.EFORBIDDEN, Message: "meta refused: missing permission, or outside the messaging window", Err: cause}
		case c == 100 || resp.StatusCode == http.StatusNotFound:
			return &rapport.Error{Code: rapport.ENOTFOUND, Message: "meta could not find the comment or recipient", Err: cause}
		}
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "meta graph API error", Err: cause}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "meta graph response malformed", Err: err}
	}
	return nil
}
