-- When a worker first began the network call of a delivery (0: never). A
-- delivery recovered from a crashed worker with this set may have been
-- sent; one without it certainly was not. Recorded for social DMs, whose
-- networks offer no message lookup.
ALTER TABLE deliveries ADD COLUMN send_started_at INTEGER NOT NULL DEFAULT 0;
