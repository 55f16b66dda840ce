-- Foundation: organisations, staff, credentials, the patient registry with
-- consent history, and the hash-chained audit log. Times are integer
-- microseconds since the Unix epoch (UTC); JSON is stored as text.

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs (id),
	email         TEXT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	UNIQUE (org_id, email)
);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	hash       BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0,
	revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id),
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
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
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	family_lc   TEXT NOT NULL DEFAULT '',
	given_lc    TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX patients_org_family ON patients (org_id, family_lc);
CREATE INDEX patients_org_given ON patients (org_id, given_lc);

CREATE TABLE patient_identifiers (
	org_id     TEXT NOT NULL,
	system     TEXT NOT NULL,
	value      TEXT NOT NULL,
	patient_id TEXT NOT NULL REFERENCES patients (id),
	type       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (org_id, system, value)
) WITHOUT ROWID;
CREATE INDEX patient_identifiers_value ON patient_identifiers (org_id, value);

-- Keyed by the event itself, so that re-importing an event is a no-op and
-- the table is one b-tree; id is the event's public name. Patient ids are
-- unique across organisations, so keys need not repeat org_id.
CREATE TABLE consent_events (
	id          TEXT NOT NULL,
	org_id      TEXT NOT NULL,
	patient_id  TEXT NOT NULL REFERENCES patients (id),
	channel     TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	status      TEXT NOT NULL,
	at          INTEGER NOT NULL,
	source      TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	recorded_at INTEGER NOT NULL,
	recorded_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (patient_id, channel, purpose, at, status, source)
) WITHOUT ROWID;

CREATE TABLE consents (
	org_id     TEXT NOT NULL,
	patient_id TEXT NOT NULL REFERENCES patients (id),
	channel    TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	status     TEXT NOT NULL,
	at         INTEGER NOT NULL,
	source     TEXT NOT NULL,
	PRIMARY KEY (patient_id, channel, purpose)
) WITHOUT ROWID;

CREATE TABLE audit_heads (
	org_id TEXT PRIMARY KEY REFERENCES orgs (id),
	seq    INTEGER NOT NULL,
	hash   BLOB NOT NULL
);

CREATE TABLE audit_log (
	org_id     TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	at         INTEGER NOT NULL,
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
	prev_hash  BLOB NOT NULL,
	hash       BLOB NOT NULL,
	PRIMARY KEY (org_id, seq)
);

CREATE TABLE audit_checkpoints (
	org_id    TEXT NOT NULL,
	size      INTEGER NOT NULL,
	head      BLOB NOT NULL,
	at        INTEGER NOT NULL,
	key_id    TEXT NOT NULL,
	signature BLOB NOT NULL,
	PRIMARY KEY (org_id, size)
);
