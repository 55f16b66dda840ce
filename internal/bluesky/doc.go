// Package bluesky connects one Bluesky (AT Protocol) account to Rapport: it
// implements rapport.Connector over plain XRPC (JSON over HTTP, net/http).
//
// It logs in with an app password (com.atproto.server.createSession), keeps
// the session fresh with refreshSession, and persists it through a
// SessionStore when one is given — never replacing a stored token with an
// empty one. Fetch reads mentions, replies and quotes from
// app.bsky.notification.listNotifications, which the account's PDS proxies
// to the AppView (api.bsky.app behind bsky.social; dev-env's AppView in
// tests). Publish writes app.bsky.feed.post records, with strong root and
// parent refs for replies and facets for @mentions and links. SendDM uses the
// chat service (chat.bsky.convo.*) when a chat proxy is configured and
// returns an EUNSUPPORTED error otherwise. Metrics reads
// app.bsky.actor.getProfile. Rate-limit headers (RateLimit-Remaining and
// RateLimit-Reset) and 429 answers make it wait, within a bound, rather than
// hammer the service.
//
// It must not triage, store or decide anything: it moves items between the
// network and Rapport's types. Its errors are *rapport.Error values whose
// messages are safe to show and never contain post text.
package bluesky
