// Package campaign runs segment-targeted campaigns: it assigns recipients
// to variants and to the holdout group at launch, previews and checks the
// content before launch, and delivers the durable queue the store
// materialised — re-checking consent, quiet hours, frequency caps and
// suppressions at send time, rendering each recipient's variant and
// sending it by email (SMTP) or SMS (Twilio), with retries for transient
// errors only and per-provider rate limits. It also applies the law to
// what comes back: inbound STOP/HELP over SMS, one-click unsubscribe, and
// bounces.
//
// It owns no storage and no HTTP: the store (internal/sqlstore) keeps the
// queue, internal/httpapi exposes the endpoints, and cmd/rapport owns the
// worker goroutines. It must never log patient data: recipients log as
// their patient id.
package campaign
