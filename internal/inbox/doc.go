// Package inbox is the unified social inbox service. Inbound items from
// every connector (webhook receivers, pollers) go through Ingest: triage
// (intent, sentiment, urgency, crisis) and PHI-disclosure detection, storage
// with deduplication and threading (rapport.InboxStore), routing to a queue
// by rules, and an event to the organisation's agents over an in-process
// broker that the HTTP API streams as Server-Sent Events. Crises go at once
// to the on-call queue with triage's public guidance.
//
// It also holds the agent's work that needs more than storage: replies that
// pass the PHI guard before a connector sends them, "take it private",
// round-robin assignment, SLA timers in raw and business minutes against a
// per-organisation calendar, and breach alerts.
//
// It must not speak SQL (the store does), must not hold HTTP status codes
// (internal/httpapi maps errors), and must never put an item's text or
// author into a log line, an error message or an event.
package inbox
