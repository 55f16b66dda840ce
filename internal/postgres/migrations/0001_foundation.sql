-- Foundation: organisations, staff, credentials, the patient registry with
-- consent history, and the hash-chained audit log. Times are integer
-- microseconds since the Unix epoch (UTC); JSON is stored as text.

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs (id),
	email         TEXT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	UNIQUE (org_id, email)
);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	hash       BYTEA NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	hash       BYTEA PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id),
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	csrf       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE TABLE patients (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs (id),
	identifiers TEXT NOT NULL,
	family      TEXT NOT NULL DEFAULT '',
	given       TEXT NOT NULL DEFAULT '',
	birth_date  TEXT NOT NULL DEFAULT '',
	gender      TEXT NOT NULL DEFAULT '',
	email       TEXT NOT NULL DEFAULT '',
	phone       TEXT NOT NULL DEFAULT '',
	language    TEXT NOT NULL DEFAULT '',
	time_zone   TEXT NOT NULL DEFAULT '',
	address     TEXT NOT NULL DEFAULT '{}',
	tags        TEXT NOT NULL DEFAULT '[]',
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	family_lc   TEXT NOT NULL DEFAULT '',
	given_lc    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX patients_org_family ON patients (org_id, family_lc);
CREATE INDEX patients_org_given ON patients (org_id, given_lc);

CREATE TABLE patient_identifiers (
	org_id     TEXT NOT NULL,
	system     TEXT NOT NULL,
	value      TEXT NOT NULL,
	patient_id TEXT NOT NULL REFERENCES patients (id),
	type       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (org_id, system, value)
);
CREATE INDEX patient_identifiers_value ON patient_identifiers (org_id, value);

CREATE TABLE consent_events (
	id          TEXT NOT NULL UNIQUE,
	org_id      TEXT NOT NULL,
	patient_id  TEXT NOT NULL REFERENCES patients (id),
	channel     TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	status      TEXT NOT NULL,
	at          BIGINT NOT NULL,
	source      TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	recorded_at BIGINT NOT NULL,
	recorded_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (patient_id, channel, purpose, at, status, source)
);

CREATE TABLE consents (
	org_id     TEXT NOT NULL,
	patient_id TEXT NOT NULL REFERENCES patients (id),
	channel    TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	status     TEXT NOT NULL,
	at         BIGINT NOT NULL,
	source     TEXT NOT NULL,
	PRIMARY KEY (patient_id, channel, purpose)
);

CREATE TABLE audit_heads (
	org_id TEXT PRIMARY KEY REFERENCES orgs (id),
	seq    BIGINT NOT NULL,
	hash   BYTEA NOT NULL
);

CREATE TABLE audit_log (
	org_id     TEXT NOT NULL,
	seq        BIGINT NOT NULL,
	at         BIGINT NOT NULL,
	actor_name TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	token_id   TEXT NOT NULL,
	addr       TEXT NOT NULL,
	action     TEXT NOT NULL,
	entity     TEXT NOT NULL,
	entity_ids TEXT NOT NULL,
	outcome    TEXT NOT NULL,
	detail     TEXT NOT NULL,
	prev_hash  BYTEA NOT NULL,
	hash       BYTEA NOT NULL,
	PRIMARY KEY (org_id, seq)
);

CREATE TABLE audit_checkpoints (
	org_id    TEXT NOT NULL,
	size      BIGINT NOT NULL,
	head      BYTEA NOT NULL,
	at        BIGINT NOT NULL,
	key_id    TEXT NOT NULL,
	signature BYTEA NOT NULL,
	PRIMARY KEY (org_id, size)
);
