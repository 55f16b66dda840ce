// Package email sends Rapport's email over SMTP: it builds RFC 5322
// messages with the headers bulk senders need (Message-ID, List-Unsubscribe
// with List-Unsubscribe-Post for RFC 8058 one-click unsubscribe), signs them
// with DKIM (github.com/emersion/go-msgauth), and delivers them over a pool
// of persistent SMTP connections (STARTTLS when offered, AUTH PLAIN or
// LOGIN when configured, PIPELINING when offered).
//
// Errors say whether a retry can help: replies 4xx and network failures are
// transient, replies 5xx and invalid messages are permanent (see
// IsTransient). The package decides nothing about who may be emailed; the
// caller has applied the compliance rules and rendered the content.
//
// The maildev sub-package starts a real SMTP sink for tests.
package email
