-- How each organisation appears in what it sends (rapport.SenderProfile);
-- empty fields fall back to the server's defaults.
CREATE TABLE sender_profiles (
	org_id         TEXT PRIMARY KEY REFERENCES orgs (id),
	org_name       TEXT NOT NULL DEFAULT '',
	postal_address TEXT NOT NULL DEFAULT '',
	mail_from      TEXT NOT NULL DEFAULT '',
	sms_from       TEXT NOT NULL DEFAULT '',
	help_contact   TEXT NOT NULL DEFAULT '',
	updated_at     INTEGER NOT NULL
);
