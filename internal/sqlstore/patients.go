package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

const patientCols = `id, org_id, identifiers, family, given, birth_date, gender, email, phone, language, time_zone, address, tags, created_at, updated_at`

func scanPatient(row interface{ Scan(...any) error }) (*rapport.Patient, error) {
	var p rapport.Patient
	var ids, addr, tags string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.OrgID, &ids, &p.Family, &p.Given, &p.BirthDate, &p.Gender, &p.Email, &p.Phone,
		&p.Language, &p.TimeZone, &addr, &tags, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ids), &p.Identifiers); err != nil {
		return nil, fmt.Errorf("patient identifiers: %w", err)
	}
	if err := json.Unmarshal([]byte(addr), &p.Address); err != nil {
		return nil, fmt.Errorf("patient address: %w", err)
	}
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, fmt.Errorf("patient tags: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

// Patient returns one patient of the actor's organisation.
func (s *Store) Patient(ctx context.Context, actor rapport.Actor, id string) (*rapport.Patient, error) {
	if err := actor.Require(rapport.PermPatientRead); err != nil {
		return nil, err
	}
	p, err := scanPatient(s.r.QueryRowContext(ctx, s.q(`SELECT `+patientCols+` FROM patients WHERE org_id = ? AND id = ?`), actor.OrgID, id))
	e := rapport.AuditEntryFor(actor, rapport.AuditRead, "Patient")
	e.EntityIDs = []string{id}
	if err != nil {
		e.Outcome = rapport.OutcomeError
		if aerr := s.audited(ctx, e); aerr != nil {
			return nil, aerr
		}
		return nil, notFound("patient", err)
	}
	if err := s.audited(ctx, e); err != nil {
		return nil, err
	}
	return p, nil
}

// likePrefix escapes s for a LIKE prefix match with ESCAPE '\'.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(s)) + "%"
}

// FindPatients searches the actor's organisation.
func (s *Store) FindPatients(ctx context.Context, actor rapport.Actor, f rapport.PatientFilter) ([]*rapport.Patient, int, error) {
	perm := rapport.PermPatientRead
	if f.CountOnly {
		perm = rapport.PermAggregateRead
	}
	if err := actor.Require(perm); err != nil {
		return nil, 0, err
	}
	where := []string{"p.org_id = ?"}
	args := []any{actor.OrgID}
	var criteria []string
	if f.Identifier.Value != "" {
		if f.Identifier.System != "" {
			where = append(where, "p.id IN (SELECT i.patient_id FROM patient_identifiers i WHERE i.org_id = ? AND i.system = ? AND i.value = ?)")
			args = append(args, actor.OrgID, f.Identifier.System, f.Identifier.Value)
		} else {
			where = append(where, "p.id IN (SELECT i.patient_id FROM patient_identifiers i WHERE i.org_id = ? AND i.value = ?)")
			args = append(args, actor.OrgID, f.Identifier.Value)
		}
		criteria = append(criteria, "identifier")
	}
	if f.Name != "" {
		pat := likePrefix(f.Name)
		where = append(where, `(p.family_lc LIKE ? ESCAPE '\' OR p.given_lc LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat)
		criteria = append(criteria, "name")
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM patients p WHERE `+cond), args...).Scan(&total); err != nil {
		return nil, 0, internal("count patients", err)
	}
	var out []*rapport.Patient
	if !f.CountOnly {
		limit := f.Limit
		if limit <= 0 || limit > 1000 {
			limit = 100
		}
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+prefixCols("p.", patientCols)+` FROM patients p WHERE `+cond+
			` ORDER BY p.family_lc, p.given_lc, p.id LIMIT ? OFFSET ?`), append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return nil, 0, internal("find patients", err)
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPatient(rows)
			if err != nil {
				return nil, 0, internal("scan patient", err)
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return nil, 0, internal("find patients", err)
		}
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditSearch, "Patient")
	for _, p := range out {
		e.EntityIDs = append(e.EntityIDs, p.ID)
	}
	e.Detail = fmt.Sprintf("search by %s: %d of %d", strings.Join(append(criteria, "org")[:max(len(criteria), 1)], ","), len(out), total)
	if err := s.audited(ctx, e); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = prefix + parts[i]
	}
	return strings.Join(parts, ", ")
}

// ConsentHistory returns every consent event of a patient, oldest first.
func (s *Store) ConsentHistory(ctx context.Context, actor rapport.Actor, patientID string) ([]rapport.ConsentEvent, error) {
	if err := actor.Require(rapport.PermPatientRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, org_id, patient_id, channel, purpose, status, at, source, evidence, recorded_at, recorded_by
		FROM consent_events WHERE org_id = ? AND patient_id = ? ORDER BY at, recorded_at, id`), actor.OrgID, patientID)
	if err != nil {
		return nil, internal("consent history", err)
	}
	defer rows.Close()
	var out []rapport.ConsentEvent
	for rows.Next() {
		var c rapport.ConsentEvent
		var ch, pu, st string
		var at, rec int64
		if err := rows.Scan(&c.ID, &c.OrgID, &c.PatientID, &ch, &pu, &st, &at, &c.Source, &c.Evidence, &rec, &c.RecordedBy); err != nil {
			return nil, internal("scan consent", err)
		}
		c.Channel, c.Purpose, c.Status = rapport.Channel(ch), rapport.Purpose(pu), rapport.ConsentStatus(st)
		c.At, c.RecordedAt = fromMicros(at), fromMicros(rec)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("consent history", err)
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditRead, "Consent")
	e.EntityIDs = []string{patientID}
	e.Detail = fmt.Sprintf("%d events", len(out))
	if err := s.audited(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// RecordConsent appends one consent event for a patient of the actor's
// organisation.
func (s *Store) RecordConsent(ctx context.Context, actor rapport.Actor, c *rapport.ConsentEvent) error {
	if err := actor.Require(rapport.PermConsentWrite); err != nil {
		return err
	}
	if err := validateConsent(c); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM patients WHERE org_id = ? AND id = ?`), actor.OrgID, c.PatientID).Scan(&n); err != nil {
			return internal("find patient", err)
		}
		if n == 0 {
			return rapport.Errorf(rapport.ENOTFOUND, "patient not found")
		}
		c.OrgID = actor.OrgID
		if _, err := s.insertConsent(ctx, tx, actor, c); err != nil {
			return err
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Consent")
		e.EntityIDs = []string{c.PatientID, c.ID}
		e.Detail = fmt.Sprintf("%s/%s %s", c.Channel, c.Purpose, c.Status)
		return s.appendAudit(ctx, tx, &e)
	})
}

func validateConsent(c *rapport.ConsentEvent) error {
	if _, err := rapport.ParseChannel(string(c.Channel)); err != nil {
		return err
	}
	if _, err := rapport.ParsePurpose(string(c.Purpose)); err != nil {
		return err
	}
	if _, err := rapport.ParseConsentStatus(string(c.Status)); err != nil {
		return err
	}
	if c.At.IsZero() {
		return rapport.Errorf(rapport.EINVALID, "a consent event needs a time")
	}
	if c.Source == "" {
		return rapport.Errorf(rapport.EINVALID, "a consent event needs a source")
	}
	return nil
}

// insertConsent appends c unless the same event (patient, channel, purpose,
// time, status, source) is already recorded, and moves the current state
// forward when c is the newest. It reports whether c was new.
func (s *Store) insertConsent(ctx context.Context, tx *sql.Tx, actor rapport.Actor, c *rapport.ConsentEvent) (bool, error) {
	if c.ID == "" {
		c.ID = newID()
	}
	c.RecordedAt = s.clock()
	c.RecordedBy = actor.Name
	c.At = c.At.UTC().Truncate(time.Microsecond)
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO consent_events (id, org_id, patient_id, channel, purpose, status, at, source, evidence, recorded_at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, channel, purpose, at, status, source) DO NOTHING`),
		c.ID, c.OrgID, c.PatientID, string(c.Channel), string(c.Purpose), string(c.Status), micros(c.At), c.Source, c.Evidence,
		micros(c.RecordedAt), c.RecordedBy)
	if err != nil {
		return false, internal("insert consent", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO consents (org_id, patient_id, channel, purpose, status, at, source)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, channel, purpose) DO UPDATE
		SET status = excluded.status, at = excluded.at, source = excluded.source WHERE excluded.at >= consents.at`),
		c.OrgID, c.PatientID, string(c.Channel), string(c.Purpose), string(c.Status), micros(c.At), c.Source); err != nil {
		return false, internal("update current consent", err)
	}
	return true, nil
}
