package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/rapport-health/rapport"
)

// CreateOrg creates an organisation and the head of its audit chain.
func (s *Store) CreateOrg(ctx context.Context, o *rapport.Organisation) error {
	if o.Slug == "" || o.Name == "" {
		return rapport.Errorf(rapport.EINVALID, "an organisation needs a slug and a name")
	}
	if o.ID == "" {
		o.ID = newID()
	}
	o.CreatedAt = s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO orgs (id, slug, name, created_at) VALUES (?, ?, ?, ?)`),
			o.ID, o.Slug, o.Name, micros(o.CreatedAt)); err != nil {
			if s.d.IsUnique(err) {
				return rapport.Errorf(rapport.ECONFLICT, "organisation %q already exists", o.Slug)
			}
			return internal("create org", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, 0, ?)`), o.ID, []byte{}); err != nil {
			return internal("create audit head", err)
		}
		return nil
	})
}

// OrgBySlug returns the organisation with slug.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (*rapport.Organisation, error) {
	var o rapport.Organisation
	var at int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT id, slug, name, created_at FROM orgs WHERE slug = ?`), slug).
		Scan(&o.ID, &o.Slug, &o.Name, &at)
	if err != nil {
		return nil, notFound("organisation", err)
	}
	o.CreatedAt = fromMicros(at)
	return &o, nil
}

// CreateUser adds a member of staff.
func (s *Store) CreateUser(ctx context.Context, u *rapport.User) error {
	if _, err := rapport.ParseRole(string(u.Role)); err != nil {
		return err
	}
	if u.OrgID == "" || u.Email == "" || u.PasswordHash == "" {
		return rapport.Errorf(rapport.EINVALID, "a user needs an organisation, an email and a password")
	}
	if u.ID == "" {
		u.ID = newID()
	}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = s.clock()
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO users (id, org_id, email, name, role, password_hash, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), u.ID, u.OrgID, u.Email, u.Name, string(u.Role), u.PasswordHash, boolInt(u.Disabled), micros(u.CreatedAt))
	if err != nil {
		if s.d.IsUnique(err) {
			return rapport.Errorf(rapport.ECONFLICT, "a user with that email already exists")
		}
		return internal("create user", err)
	}
	return nil
}

const userCols = `id, org_id, email, name, role, password_hash, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (*rapport.User, error) {
	var u rapport.User
	var role string
	var disabled int
	var at int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &role, &u.PasswordHash, &disabled, &at); err != nil {
		return nil, notFound("user", err)
	}
	u.Role, u.Disabled, u.CreatedAt = rapport.Role(role), disabled != 0, fromMicros(at)
	return &u, nil
}

// UserByEmail returns the user of orgID with email.
func (s *Store) UserByEmail(ctx context.Context, orgID, email string) (*rapport.User, error) {
	return scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE org_id = ? AND email = ?`),
		orgID, strings.ToLower(strings.TrimSpace(email))))
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id string) (*rapport.User, error) {
	return scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
}

// CreateToken stores an API token (its hash only).
func (s *Store) CreateToken(ctx context.Context, t *rapport.Token) error {
	if _, err := rapport.ParseRole(string(t.Role)); err != nil {
		return err
	}
	if t.OrgID == "" || t.Name == "" || len(t.Hash) == 0 {
		return rapport.Errorf(rapport.EINVALID, "a token needs an organisation, a name and a hash")
	}
	if t.ID == "" {
		t.ID = newID()
	}
	t.CreatedAt = s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens (id, org_id, name, role, hash, created_at, expires_at, revoked)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), t.ID, t.OrgID, t.Name, string(t.Role), t.Hash,
			micros(t.CreatedAt), micros(t.ExpiresAt), boolInt(t.Revoked)); err != nil {
			return internal("create token", err)
		}
		e := rapport.AuditEntry{OrgID: t.OrgID, ActorName: "system:admin", Addr: "cli", Action: rapport.AuditCreate,
			Entity: "Token", EntityIDs: []string{t.ID}, Outcome: rapport.OutcomeOK, Detail: "role " + string(t.Role)}
		return s.appendAudit(ctx, tx, &e)
	})
}

// TokenByHash returns the token whose secret hashes to hash.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*rapport.Token, error) {
	var t rapport.Token
	var role string
	var created, expires int64
	var revoked int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT id, org_id, name, role, hash, created_at, expires_at, revoked FROM tokens WHERE hash = ?`), hash).
		Scan(&t.ID, &t.OrgID, &t.Name, &role, &t.Hash, &created, &expires, &revoked)
	if err != nil {
		return nil, notFound("token", err)
	}
	t.Role, t.CreatedAt, t.ExpiresAt, t.Revoked = rapport.Role(role), fromMicros(created), fromMicros(expires), revoked != 0
	return &t, nil
}

// CreateSession stores a browser session (its hash only).
func (s *Store) CreateSession(ctx context.Context, ss *rapport.Session) error {
	ss.CreatedAt = s.clock()
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO sessions (hash, user_id, org_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		ss.Hash, ss.UserID, ss.OrgID, ss.CSRF, micros(ss.CreatedAt), micros(ss.ExpiresAt))
	if err != nil {
		return internal("create session", err)
	}
	return nil
}

// SessionByHash returns the session whose cookie hashes to hash.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (*rapport.Session, error) {
	var ss rapport.Session
	var created, expires int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT hash, user_id, org_id, csrf, created_at, expires_at FROM sessions WHERE hash = ?`), hash).
		Scan(&ss.Hash, &ss.UserID, &ss.OrgID, &ss.CSRF, &created, &expires)
	if err != nil {
		return nil, notFound("session", err)
	}
	ss.CreatedAt, ss.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &ss, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.w.ExecContext(ctx, s.q(`DELETE FROM sessions WHERE hash = ?`), hash); err != nil {
		return internal("delete session", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SenderProfile returns how organisation orgID appears in what it sends,
// or ENOTFOUND when its admin never set it. Delivery workers and inbound
// handlers call it for every organisation (no Actor); it holds no patient
// data.
func (s *Store) SenderProfile(ctx context.Context, orgID string) (*rapport.SenderProfile, error) {
	var p rapport.SenderProfile
	var at int64
	err := s.r.QueryRowContext(ctx, s.q(`SELECT org_name, postal_address, mail_from, sms_from, help_contact, updated_at
		FROM sender_profiles WHERE org_id = ?`), orgID).Scan(&p.OrgName, &p.PostalAddress, &p.MailFrom, &p.SMSFrom, &p.HelpContact, &at)
	if err != nil {
		return nil, notFound("sender profile", err)
	}
	p.UpdatedAt = fromMicros(at)
	return &p, nil
}

// SetSenderProfile replaces the actor's organisation's sender profile. It
// needs PermOrgAdmin and is audited.
func (s *Store) SetSenderProfile(ctx context.Context, actor rapport.Actor, p *rapport.SenderProfile) error {
	if err := actor.Require(rapport.PermOrgAdmin); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = s.clock()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sender_profiles (org_id, org_name, postal_address, mail_from, sms_from, help_contact, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET org_name = excluded.org_name, postal_address = excluded.postal_address,
			mail_from = excluded.mail_from, sms_from = excluded.sms_from, help_contact = excluded.help_contact, updated_at = excluded.updated_at`),
			actor.OrgID, p.OrgName, p.PostalAddress, p.MailFrom, p.SMSFrom, p.HelpContact, micros(p.UpdatedAt)); err != nil {
			return internal("set sender profile", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "SenderProfile")
		e.EntityIDs = []string{actor.OrgID}
		return s.appendAudit(ctx, tx, &e)
	})
}
