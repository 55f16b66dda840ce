-- Publishing: scheduled posts with an approval workflow, one publish job
-- per (post, account) with a fixed idempotency key, and each
-- organisation's phrase rules.
CREATE TABLE scheduled_posts (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL,
	text          TEXT NOT NULL,
	account_ids   TEXT NOT NULL,
	status        TEXT NOT NULL,
	scheduled_at  BIGINT NOT NULL,
	version       BIGINT NOT NULL,
	author_id     TEXT NOT NULL,
	author_name   TEXT NOT NULL,
	reviewer_id   TEXT NOT NULL,
	reviewer_name TEXT NOT NULL,
	review_note   TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX scheduled_posts_schedule ON scheduled_posts (org_id, scheduled_at);
CREATE INDEX scheduled_posts_status ON scheduled_posts (org_id, status, created_at);

CREATE TABLE publish_jobs (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL,
	post_id      TEXT NOT NULL REFERENCES scheduled_posts (id),
	account_id   TEXT NOT NULL,
	idem_key     TEXT NOT NULL,
	state        TEXT NOT NULL,
	due_at       BIGINT NOT NULL,
	lease_until  BIGINT NOT NULL,
	claim        TEXT NOT NULL,
	attempts     BIGINT NOT NULL,
	network_id   TEXT NOT NULL,
	url          TEXT NOT NULL,
	last_error   TEXT NOT NULL,
	published_at BIGINT NOT NULL,
	UNIQUE (post_id, account_id),
	UNIQUE (idem_key)
);
CREATE INDEX publish_jobs_due ON publish_jobs (state, due_at);
CREATE INDEX publish_jobs_lease ON publish_jobs (state, lease_until);

CREATE TABLE phrase_rules (
	org_id   TEXT PRIMARY KEY,
	banned   TEXT NOT NULL,
	required TEXT NOT NULL
);
