// Package meta receives Meta webhooks for a Facebook Page and an Instagram
// professional account — page feed comments, Instagram comments, and
// Messenger / Instagram direct messages — and turns them into
// rapport.SocialItem values for the inbox. It also holds a small Graph API
// client to answer: reply to a comment and send a message.
//
// The handler answers the hub.challenge subscription handshake, checks the
// X-Hub-Signature-256 HMAC of the raw body in constant time before parsing
// anything, limits body size, and logs rejections without the payload. It
// must not store items or deduplicate them: Meta redelivers webhooks, and
// the inbox deduplicates by (network, network id).
package meta
