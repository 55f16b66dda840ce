package mastodon

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/rapport-health/rapport"
)

// Event is one Server-Sent Event from the streaming API.
type Event struct {
	Name string // "notification", "update", "delete"…
	Data string
}

// readEvents parses a text/event-stream body and calls fn for every event,
// following the SSE rules Mastodon relies on: "event:" and "data:" fields,
// multi-line data joined with "\n", comment lines (":thump" heartbeats)
// ignored, a blank line ending an event. It stops at the first error from
// fn or from the reader; io.EOF is returned as is.
func readEvents(r io.Reader, fn func(Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxBody)
	var ev Event
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(data) > 0 {
				ev.Data = strings.Join(data, "\n")
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = Event{}, nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name = value
		case "data":
			data = append(data, value)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// Stream connects to GET /api/v1/streaming/user and calls handle for every
// mention that arrives: "notification" events of type mention, and
// "update" events for statuses that mention the connected account. It
// returns when ctx ends (with ctx.Err()), when handle fails, or when the
// server closes the stream; the caller reconnects with backoff and calls
// Fetch to fill any gap (the inbox deduplicates by network id, so an item
// seen by both paths is one item).
func (c *Client) Stream(ctx context.Context, handle func(context.Context, rapport.SocialItem) error) error {
	self, err := c.Account(ctx)
	if err != nil {
		return err
	}
	u := *c.stream
	u.Path += "/api/v1/streaming/user"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("mastodon stream: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.cfg.StreamClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon streaming unreachable", Err: err}
	}
	defer resp.Body.Close()
	c.noteRateLimit(resp.Header)
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return statusError(http.MethodGet, "/api/v1/streaming/user", resp.StatusCode, data)
	}
	err = readEvents(resp.Body, func(ev Event) error {
		it, ok, err := itemFromEvent(self, ev)
		if err != nil || !ok {
			return err
		}
		return handle(ctx, it)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == io.EOF {
		return &rapport.Error{Code: rapport.EINTERNAL, Message: "mastodon stream closed by the server", Err: err}
	}
	return err
}

// itemFromEvent turns a streaming event into an item when it is a mention
// of self. Events of other kinds are skipped; malformed JSON is an error.
func itemFromEvent(self Account, ev Event) (rapport.SocialItem, bool, error) {
	switch ev.Name {
	case "notification":
		var n Notification
		if err := json.Unmarshal([]byte(ev.Data), &n); err != nil {
			return rapport.SocialItem{}, false, fmt.Errorf("mastodon stream notification: %w", err)
		}
		it, ok := itemFromNotification(self, n)
		return it, ok, nil
	case "update":
		var s Status
		if err := json.Unmarshal([]byte(ev.Data), &s); err != nil {
			return rapport.SocialItem{}, false, fmt.Errorf("mastodon stream update: %w", err)
		}
		if s.Account.ID == self.ID || s.Reblog != nil {
			return rapport.SocialItem{}, false, nil
		}
		for _, m := range s.Mentions {
			if m.ID == self.ID {
				return itemFromStatus(self, s), true, nil
			}
		}
	}
	return rapport.SocialItem{}, false, nil
}
