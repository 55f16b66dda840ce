-- Campaigns: drafts with per-segment variants, the durable delivery queue
-- (one row per campaign, patient and channel), the append-only engagement
-- log, address suppressions, and the indexes audiences need.
CREATE TABLE campaigns (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs (id),
	name            TEXT NOT NULL,
	channel         TEXT NOT NULL,
	purpose         TEXT NOT NULL,
	audience        TEXT NOT NULL,
	variants        TEXT NOT NULL,
	holdout_percent REAL NOT NULL,
	status          TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	launched_at     INTEGER NOT NULL DEFAULT 0,
	created_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaigns_org ON campaigns (org_id, created_at);

CREATE TABLE deliveries (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	campaign_id TEXT NOT NULL REFERENCES campaigns (id),
	patient_id  TEXT NOT NULL REFERENCES patients (id),
	channel     TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	segment     TEXT NOT NULL,
	arm         TEXT NOT NULL,
	state       TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	not_before  INTEGER NOT NULL DEFAULT 0,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	message_id  TEXT NOT NULL DEFAULT '',
	provider_id TEXT NOT NULL DEFAULT '',
	sent_at     INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL,
	UNIQUE (campaign_id, patient_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (state, not_before);
CREATE INDEX deliveries_patient_sent ON deliveries (org_id, patient_id, sent_at);
CREATE INDEX deliveries_provider ON deliveries (provider_id);

CREATE TABLE engagement_events (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	campaign_id TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	patient_id  TEXT NOT NULL,
	channel     TEXT NOT NULL,
	type        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	source      TEXT NOT NULL,
	source_id   TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	UNIQUE (org_id, source, source_id, type)
);
CREATE INDEX engagement_events_campaign ON engagement_events (org_id, campaign_id, type);

CREATE TABLE suppressions (
	org_id  TEXT NOT NULL,
	channel TEXT NOT NULL,
	address TEXT NOT NULL,
	reason  TEXT NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (org_id, channel, address)
) WITHOUT ROWID;

-- Audiences start from the patients who consented to a channel and purpose.
CREATE INDEX consents_audience ON consents (org_id, channel, purpose, status, patient_id);
