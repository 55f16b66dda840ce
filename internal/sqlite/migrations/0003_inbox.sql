-- The unified inbox: conversations (threads), inbound items with their
-- triage, internal notes, outbound replies, canned replies, and connector
-- fetch cursors. (org_id, network, network_id) of an item is unique: the
-- same delivery twice is stored once.
CREATE TABLE inbox_conversations (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES orgs (id),
	network           TEXT NOT NULL,
	account_id        TEXT NOT NULL,
	root_network_id   TEXT NOT NULL,
	status            TEXT NOT NULL,
	queue             TEXT NOT NULL,
	assignee          TEXT NOT NULL DEFAULT '',
	tags              TEXT NOT NULL DEFAULT '[]',
	patient_id        TEXT NOT NULL DEFAULT '',
	urgency           INTEGER NOT NULL DEFAULT 0,
	crisis            INTEGER NOT NULL DEFAULT 0,
	private           INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	last_item_at      INTEGER NOT NULL,
	assigned_at       INTEGER NOT NULL DEFAULT 0,
	first_response_at INTEGER NOT NULL DEFAULT 0,
	resolved_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_conversations_root ON inbox_conversations (org_id, network, root_network_id);
CREATE INDEX inbox_conversations_queue ON inbox_conversations (org_id, queue, status, last_item_at);
CREATE INDEX inbox_conversations_assignee ON inbox_conversations (org_id, assignee, status);

CREATE TABLE inbox_items (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs (id),
	conversation_id TEXT NOT NULL REFERENCES inbox_conversations (id),
	network         TEXT NOT NULL,
	account_id      TEXT NOT NULL,
	network_id      TEXT NOT NULL,
	parent_id       TEXT NOT NULL DEFAULT '',
	root_id         TEXT NOT NULL DEFAULT '',
	kind            TEXT NOT NULL,
	author_id       TEXT NOT NULL DEFAULT '',
	author_handle   TEXT NOT NULL DEFAULT '',
	author_name     TEXT NOT NULL DEFAULT '',
	text            TEXT NOT NULL DEFAULT '',
	url             TEXT NOT NULL DEFAULT '',
	rating          INTEGER NOT NULL DEFAULT 0,
	private         INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	received_at     INTEGER NOT NULL,
	queue           TEXT NOT NULL,
	triage          TEXT NOT NULL,
	UNIQUE (org_id, network, network_id)
);
CREATE INDEX inbox_items_conversation ON inbox_items (conversation_id, received_at);

CREATE TABLE inbox_notes (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs (id),
	conversation_id TEXT NOT NULL REFERENCES inbox_conversations (id),
	author_id       TEXT NOT NULL,
	author_name     TEXT NOT NULL,
	text            TEXT NOT NULL,
	created_at      INTEGER NOT NULL
);
CREATE INDEX inbox_notes_conversation ON inbox_notes (conversation_id, created_at);

CREATE TABLE inbox_replies (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs (id),
	conversation_id TEXT NOT NULL REFERENCES inbox_conversations (id),
	in_reply_to     TEXT NOT NULL,
	author_id       TEXT NOT NULL,
	text            TEXT NOT NULL,
	private         INTEGER NOT NULL DEFAULT 0,
	verdict         TEXT NOT NULL,
	state           TEXT NOT NULL,
	network_id      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_replies_conversation ON inbox_replies (conversation_id, created_at);

CREATE TABLE inbox_canned (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	title      TEXT NOT NULL,
	text       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX inbox_canned_org ON inbox_canned (org_id, title);

CREATE TABLE inbox_cursors (
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	network    TEXT NOT NULL,
	account_id TEXT NOT NULL,
	cursor     TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (org_id, network, account_id)
);
