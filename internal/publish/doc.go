// Package publish runs Rapport's outbound publishing: it checks a scheduled
// post against the PHI guard and the organisation's phrase rules before the
// post may enter review or be approved, and its Publisher works the publish
// jobs so that each approved post reaches each account exactly once in
// effect, across crashes and retries.
//
// Exactly-once rests on three things: a job per (post, account) created in
// the approval's transaction with a fixed idempotency key; a lease that a
// worker takes in the database before it calls the network (an expired
// lease hands the job to the next worker, marked Reclaimed); and the
// connectors' idempotency (Mastodon's Idempotency-Key header, the Bluesky
// record key derived from the key), so that the retry of an attempt whose
// outcome was lost gets the post the network already has instead of a
// second one. The network's post id is recorded in the same transaction
// that finishes the job.
//
// The package holds no SQL (that is internal/sqlstore) and no HTTP (that is
// internal/httpapi); it must not log post texts with patient data, and
// logs only ids, states and error causes.
package publish
