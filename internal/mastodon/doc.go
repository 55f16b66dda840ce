// Package mastodon connects one Mastodon account to Rapport through the
// published Mastodon REST API (https://docs.joinmastodon.org/methods/): it
// reads mentions and direct messages from GET /api/v1/notifications
// (paginated with Link headers) or from the user streaming endpoint, posts
// public replies and direct messages with POST /api/v1/statuses (with an
// Idempotency-Key), and reads account counts from verify_credentials.
//
// It speaks plain HTTP with an OAuth bearer token and uses only endpoints
// and fields that Mastodon and GoToSocial both document, so the same code
// works against mastodon.social or a GoToSocial instance. It respects the
// X-RateLimit-* headers and backs off on 429.
//
// It must not store anything, log status text or tokens, or decide what to
// do with an item: that is the inbox's job. Tests run against the stand-in
// server in package mastodontest.
package mastodon
