// Package webhook receives Rapport's generic JSON webhook, through which
// review sites and other tools push items (reviews, comments, messages)
// into the inbox.
//
// Signature scheme: the sender computes HMAC-SHA256, keyed with the shared
// secret, over the bytes of "<t>.<raw body>", where t is the current Unix
// time in seconds, and sends
//
//	X-Rapport-Signature: t=<unix seconds>,v1=<lowercase hex HMAC>
//
// Several v1= values may be sent (for secret rotation); one valid value is
// enough. A timestamp further than the tolerance (default 5 minutes) from
// the receiver's clock is rejected, which bounds replays; a replay inside
// the window yields the same network ids, which the inbox deduplicates.
//
// Body schema (JSON, unknown fields rejected, at most 100 items):
//
//	{"items": [{
//	  "source":     "google-reviews",       // required: [a-z0-9._-], 1-64 chars
//	  "id":         "r-123",                // required: the source's id, 1-256 chars
//	  "parent":     "",                     // optional: id of the item it answers
//	  "kind":       "review",               // optional: review|comment|mention|reply|dm
//	  "author":     {"id": "", "name": "", "handle": ""}, // optional
//	  "text":       "Great nurses",         // text or rating required; at most 10,000 chars
//	  "rating":     5,                      // optional: 1-5
//	  "url":        "https://…",            // optional: http(s)
//	  "created_at": "2026-11-21T10:00:00Z", // required: RFC 3339
//	  "private":    false                   // optional
//	}]}
//
// Items become rapport.SocialItem with Network "webhook" and NetworkID
// "<source>:<id>" (so two sources never collide). The package must not
// store or deduplicate items; the inbox does.
package webhook
