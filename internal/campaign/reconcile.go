package campaign

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// LookupReconciler returns a Reconciler that asks a provider's message
// lookup API whether an email with the delivery's Message-ID was accepted.
// urlTemplate has {message_id} where the id goes, angle brackets included
// and URL-escaped (for example maildev's
// "http://127.0.0.1:1080/email?headers.message-id={message_id}", or an email
// service's message search). A 200 answer with a non-empty JSON array
// means accepted, an empty array means not; anything else is unknown, and
// the worker then sends again with the same Message-ID. SMS deliveries are
// always unknown: Twilio's API has no lookup by our key.
func LookupReconciler(urlTemplate, messageDomain string, hc *http.Client) Reconciler {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return func(ctx context.Context, j rapport.DeliveryJob) (bool, bool) {
		if j.Channel != rapport.ChannelEmail || j.MessageID == "" {
			return false, false
		}
		id := "<" + j.MessageID + "@" + messageDomain + ">"
		u := strings.ReplaceAll(urlTemplate, "{message_id}", url.QueryEscape(id))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return false, false
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, false
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, false
		}
		var found []json.RawMessage
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&found); err != nil {
			return false, false
		}
		return len(found) > 0, true
	}
}
