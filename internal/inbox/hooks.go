package inbox

import (
	"context"
	"net/http"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/meta"
	"github.com/rapport-health/rapport/internal/webhook"
)

// Hooks returns the webhook receivers of every organisation that has
// them, as one handler for:
//
//	GET  /hooks/meta/{org}     Meta's subscription handshake
//	POST /hooks/meta/{org}     Meta deliveries (X-Hub-Signature-256)
//	POST /hooks/webhook/{org}  the generic JSON webhook (X-Rapport-Signature)
//
// where {org} is the organisation's slug. Each delivery is ingested before
// the receiver answers, so a failure makes the sender redeliver; a
// redelivery is deduplicated by network id.
func (s *Service) Hooks() (http.Handler, error) {
	mux := http.NewServeMux()
	metas := map[string]http.Handler{}
	generic := map[string]http.Handler{}
	for id, oc := range s.cfgs {
		orgID := id
		deliver := func(ctx context.Context, items []rapport.SocialItem) error {
			_, err := s.Ingest(ctx, orgID, items)
			return err
		}
		if oc.Slug == "" && (oc.Meta != nil || oc.Webhook != nil) {
			return nil, rapport.Errorf(rapport.EINVALID, "inbox settings of organisation %s: slug required for webhooks", id)
		}
		if oc.Meta != nil {
			h, err := meta.NewHandler(meta.Config{AppSecret: oc.Meta.AppSecret, VerifyToken: oc.Meta.VerifyToken, Deliver: deliver, Logger: s.log})
			if err != nil {
				return nil, err
			}
			metas[oc.Slug] = h
		}
		if oc.Webhook != nil {
			h, err := webhook.NewHandler(webhook.Config{Secrets: oc.Webhook.Secrets, AccountID: oc.Webhook.AccountID, Deliver: deliver,
				Logger: s.log, Now: s.now})
			if err != nil {
				return nil, err
			}
			generic[oc.Slug] = h
		}
	}
	route := func(hs map[string]http.Handler) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h := hs[r.PathValue("org")]
			if h == nil {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}
	}
	mux.Handle("GET /hooks/meta/{org}", route(metas))
	mux.Handle("POST /hooks/meta/{org}", route(metas))
	mux.Handle("POST /hooks/webhook/{org}", route(generic))
	return mux, nil
}
