package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// BeginImport starts an all-or-nothing import for the actor's organisation.
func (s *Store) BeginImport(ctx context.Context, actor rapport.Actor, source string) (rapport.ImportTx, error) {
	if err := actor.Require(rapport.PermPatientWrite); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, internal("begin import", err)
	}
	it := &importTx{s: s, tx: tx, actor: actor, source: source,
		newPatients: newBulk("patients", patientCols+", family_lc, given_lc", ""),
		newIdents:   newBulk("patient_identifiers", "org_id, system, value, patient_id, type", " ON CONFLICT (org_id, system, value) DO NOTHING"),
		newEvents: newBulk("consent_events", "id, org_id, patient_id, channel, purpose, status, at, source, evidence, recorded_at, recorded_by",
			" ON CONFLICT (patient_id, channel, purpose, at, status, source) DO NOTHING"),
		newCurrent: newBulk("consents", "org_id, patient_id, channel, purpose, status, at, source", ""),
	}
	stmts := []struct {
		dst **sql.Stmt
		q   string
	}{
		{&it.updPatient, `UPDATE patients SET identifiers = ?, family = ?, given = ?, birth_date = ?, gender = ?, email = ?, phone = ?,
			language = ?, time_zone = ?, address = ?, tags = ?, updated_at = ?, family_lc = ?, given_lc = ? WHERE org_id = ? AND id = ?`},
		{&it.insIdent, `INSERT INTO patient_identifiers (org_id, system, value, patient_id, type) VALUES (?, ?, ?, ?, ?) ON CONFLICT (org_id, system, value) DO NOTHING`},
	}
	for _, st := range stmts {
		if *st.dst, err = tx.PrepareContext(ctx, s.q(st.q)); err != nil {
			_ = tx.Rollback()
			return nil, internal("prepare import", err)
		}
	}
	return it, nil
}

type importTx struct {
	s          *Store
	tx         *sql.Tx
	actor      rapport.Actor
	source     string
	stats      rapport.ImportStats
	updPatient *sql.Stmt
	insIdent   *sql.Stmt
	done       bool

	// Buffers for new patients, written in bulk by flushNew.
	newPatients *bulk
	newIdents   *bulk
	newEvents   *bulk
	newCurrent  *bulk
}

type identKey struct{ system, value string }

func (it *importTx) Stats() rapport.ImportStats { return it.stats }

func (it *importTx) Commit(ctx context.Context) error {
	if it.done {
		return rapport.Errorf(rapport.EINTERNAL, "import already finished")
	}
	it.done = true
	if err := it.tx.Commit(); err != nil {
		return internal("commit import", err)
	}
	return nil
}

func (it *importTx) Rollback() error {
	if it.done {
		return nil
	}
	it.done = true
	return it.tx.Rollback()
}

// lookup returns the patient ids of the given identifiers that exist.
func (it *importTx) lookup(ctx context.Context, keys []identKey) (map[identKey]string, error) {
	out := make(map[identKey]string, len(keys))
	chunk := max((it.s.d.MaxParams-1)/2, 1)
	chunk = min(chunk, 400)
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		part := keys[:n]
		keys = keys[n:]
		args := make([]any, 0, 1+2*n)
		args = append(args, it.actor.OrgID)
		var b strings.Builder
		b.WriteString(`SELECT system, value, patient_id FROM patient_identifiers WHERE org_id = ? AND (system, value) IN (VALUES `)
		for i, k := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, k.system, k.value)
		}
		b.WriteString(")")
		rows, err := it.tx.QueryContext(ctx, it.s.q(b.String()), args...)
		if err != nil {
			return nil, internal("look up identifiers", err)
		}
		for rows.Next() {
			var k identKey
			var id string
			if err := rows.Scan(&k.system, &k.value, &id); err != nil {
				rows.Close()
				return nil, internal("scan identifier", err)
			}
			out[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("look up identifiers", err)
		}
	}
	return out, nil
}

func (it *importTx) loadPatients(ctx context.Context, ids []string) (map[string]*rapport.Patient, error) {
	out := make(map[string]*rapport.Patient, len(ids))
	for len(ids) > 0 {
		n := min(400, len(ids))
		part := ids[:n]
		ids = ids[n:]
		args := []any{it.actor.OrgID}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := it.tx.QueryContext(ctx, it.s.q(`SELECT `+patientCols+` FROM patients WHERE org_id = ? AND id IN (?`+strings.Repeat(", ?", n-1)+`)`), args...)
		if err != nil {
			return nil, internal("load patients", err)
		}
		for rows.Next() {
			p, err := scanPatient(rows)
			if err != nil {
				rows.Close()
				return nil, internal("scan patient", err)
			}
			out[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("load patients", err)
		}
	}
	return out, nil
}

func (it *importTx) Write(ctx context.Context, recs []rapport.ImportRecord) (int, error) {
	if it.done {
		return 0, rapport.Errorf(rapport.EINTERNAL, "import already finished")
	}
	// One query finds every identifier of the batch that already exists.
	var keys []identKey
	seen := map[identKey]bool{}
	add := func(id rapport.Identifier) {
		k := identKey{id.System, id.Value}
		if k.system != "" && k.value != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, r := range recs {
		if r.Patient != nil {
			for _, id := range r.Patient.Identifiers {
				add(id)
			}
		} else {
			add(r.PatientRef)
		}
	}
	known, err := it.lookup(ctx, keys)
	if err != nil {
		return 0, err
	}
	var existingIDs []string
	for _, id := range known {
		if !slices.Contains(existingIDs, id) {
			existingIDs = append(existingIDs, id)
		}
	}
	existing, err := it.loadPatients(ctx, existingIDs)
	if err != nil {
		return 0, err
	}

	entry := rapport.AuditEntryFor(it.actor, rapport.AuditImport, "Patient")
	var created, updated, consents int
	fail := func(i int, err error) (int, error) {
		if ferr := it.flushNew(ctx); ferr != nil {
			return i, ferr
		}
		return i, it.flush(ctx, &entry, created, updated, consents, err)
	}
	for i, r := range recs {
		var patientID string
		isNew := false
		if r.Patient != nil {
			id, created1, changed, err := it.writePatient(ctx, r, known, existing)
			if err != nil {
				return fail(i, err)
			}
			patientID, isNew = id, created1
			switch {
			case isNew:
				created++
				it.stats.Created++
			case changed:
				updated++
				it.stats.Updated++
			default:
				it.stats.Unchanged++
			}
			if isNew || changed {
				entry.EntityIDs = append(entry.EntityIDs, id)
			}
		} else {
			patientID = known[identKey{r.PatientRef.System, r.PatientRef.Value}]
			if patientID == "" {
				return fail(i, &rapport.RecordError{Where: r.Where, Field: "patient", Err: rapport.Errorf(rapport.EINVALID, "refers to a patient that is not in the registry or this import")})
			}
		}
		evs := make([]rapport.ConsentEvent, len(r.Consents))
		for j, c := range r.Consents {
			c.OrgID, c.PatientID = it.actor.OrgID, patientID
			if err := validateConsent(&c); err != nil {
				return fail(i, &rapport.RecordError{Where: r.Where, Field: "consent", Err: err})
			}
			evs[j] = c
		}
		if isNew {
			// A new patient has no history: every distinct event is new.
			consents += it.bufferConsents(evs)
			continue
		}
		if len(evs) > 0 {
			if err := it.flushNew(ctx); err != nil {
				return i, err
			}
		}
		for j := range evs {
			added, err := it.s.insertConsent(ctx, it.tx, it.actor, &evs[j])
			if err != nil {
				return i, err
			}
			if added {
				consents++
				it.stats.ConsentsAdded++
				if r.Patient == nil {
					entry.EntityIDs = append(entry.EntityIDs, patientID)
				}
			}
		}
	}
	if err := it.flushNew(ctx); err != nil {
		return len(recs), err
	}
	return len(recs), it.flush(ctx, &entry, created, updated, consents, nil)
}

// bufferConsents queues the consent events of a new patient and its current
// state per (channel, purpose), and returns how many distinct events it
// queued.
func (it *importTx) bufferConsents(evs []rapport.ConsentEvent) int {
	type evKey struct {
		ch, pu, st, src string
		at              int64
	}
	type curKey struct{ ch, pu string }
	seen := map[evKey]bool{}
	current := map[curKey]rapport.ConsentEvent{}
	var order []curKey
	now := it.s.clock()
	n := 0
	for _, c := range evs {
		c.At = c.At.UTC().Truncate(time.Microsecond)
		k := evKey{string(c.Channel), string(c.Purpose), string(c.Status), c.Source, micros(c.At)}
		if seen[k] {
			continue
		}
		seen[k] = true
		n++
		it.newEvents.add(newID(), c.OrgID, c.PatientID, string(c.Channel), string(c.Purpose), string(c.Status), micros(c.At),
			c.Source, c.Evidence, micros(now), it.actor.Name)
		ck := curKey{string(c.Channel), string(c.Purpose)}
		old, ok := current[ck]
		if !ok {
			order = append(order, ck)
		}
		if !ok || !c.At.Before(old.At) {
			current[ck] = c
		}
	}
	for _, ck := range order {
		c := current[ck]
		it.newCurrent.add(c.OrgID, c.PatientID, string(c.Channel), string(c.Purpose), string(c.Status), micros(c.At), c.Source)
	}
	it.stats.ConsentsAdded += n
	return n
}

// flushNew writes the buffered new patients and their consent.
func (it *importTx) flushNew(ctx context.Context) error {
	for _, b := range []*bulk{it.newPatients, it.newIdents, it.newEvents, it.newCurrent} {
		if err := b.flush(ctx, it.s, it.tx); err != nil {
			return err
		}
	}
	return nil
}

// flush records the batch's audit entry (if it wrote anything) and returns
// cause, or the audit error.
func (it *importTx) flush(ctx context.Context, e *rapport.AuditEntry, created, updated, consents int, cause error) error {
	if created+updated+consents > 0 {
		e.Detail = fmt.Sprintf("%s: %d created, %d updated, %d consent events", it.source, created, updated, consents)
		if err := it.s.appendAudit(ctx, it.tx, e); err != nil {
			return err
		}
	}
	return cause
}

// writePatient creates or merges one patient. Imported fields that are set
// replace stored ones; empty imported fields keep what is stored.
func (it *importTx) writePatient(ctx context.Context, r rapport.ImportRecord, known map[identKey]string, existing map[string]*rapport.Patient) (id string, isNew, changed bool, err error) {
	p := r.Patient
	if !slices.ContainsFunc(p.Identifiers, func(id rapport.Identifier) bool { return id.System != "" && id.Value != "" }) {
		return "", false, false, &rapport.RecordError{Where: r.Where, Field: "identifier", Err: rapport.Errorf(rapport.EINVALID, "a patient needs at least one identifier with a system")}
	}
	for _, ident := range p.Identifiers {
		if ident.Value == "" {
			return "", false, false, &rapport.RecordError{Where: r.Where, Field: "identifier", Err: rapport.Errorf(rapport.EINVALID, "an identifier needs a value")}
		}
		if ident.System == "" {
			// Without a system a value identifies nothing across sources:
			// it is kept on the record but never used to match.
			continue
		}
		if other := known[identKey{ident.System, ident.Value}]; other != "" {
			if id != "" && id != other {
				return "", false, false, &rapport.RecordError{Where: r.Where, Field: "identifier", Err: rapport.Errorf(rapport.ECONFLICT, "identifiers match two different patients")}
			}
			id = other
		}
	}
	now := it.s.clock()
	if id == "" {
		np := *p
		np.ID, np.OrgID, np.CreatedAt, np.UpdatedAt = newID(), it.actor.OrgID, now, now
		it.buffer(&np)
		for _, ident := range np.Identifiers {
			if ident.System != "" {
				known[identKey{ident.System, ident.Value}] = np.ID
			}
		}
		existing[np.ID] = &np
		return np.ID, true, false, nil
	}
	old, ok := existing[id]
	if !ok {
		return "", false, false, internal("merge patient", fmt.Errorf("patient %s matched but not loaded", id))
	}
	merged := merge(old, p)
	var newIdents []rapport.Identifier
	for _, ident := range p.Identifiers {
		if ident.System == "" {
			if !slices.ContainsFunc(merged.Identifiers, func(o rapport.Identifier) bool { return o.System == "" && o.Value == ident.Value }) {
				merged.Identifiers = append(merged.Identifiers, ident)
			}
			continue
		}
		if known[identKey{ident.System, ident.Value}] == "" {
			newIdents = append(newIdents, ident)
			known[identKey{ident.System, ident.Value}] = id
		}
	}
	merged.Identifiers = append(merged.Identifiers, newIdents...)
	if equalPatient(old, merged) {
		return id, false, false, nil
	}
	merged.UpdatedAt = now
	if err := it.flushNew(ctx); err != nil {
		return "", false, false, err
	}
	for _, ident := range newIdents {
		if _, err := it.insIdent.ExecContext(ctx, it.actor.OrgID, ident.System, ident.Value, id, ident.Type); err != nil {
			return "", false, false, internal("insert identifier", err)
		}
	}
	ids, addr, tags := patientJSON(merged)
	if _, err := it.updPatient.ExecContext(ctx, ids, merged.Family, merged.Given, merged.BirthDate, merged.Gender, merged.Email, merged.Phone,
		merged.Language, merged.TimeZone, addr, tags, micros(merged.UpdatedAt), strings.ToLower(merged.Family), strings.ToLower(merged.Given),
		it.actor.OrgID, id); err != nil {
		return "", false, false, internal("update patient", err)
	}
	existing[id] = merged
	return id, false, true, nil
}

func (it *importTx) buffer(p *rapport.Patient) {
	ids, addr, tags := patientJSON(p)
	it.newPatients.add(p.ID, p.OrgID, ids, p.Family, p.Given, p.BirthDate, p.Gender, p.Email, p.Phone,
		p.Language, p.TimeZone, addr, tags, micros(p.CreatedAt), micros(p.UpdatedAt), strings.ToLower(p.Family), strings.ToLower(p.Given))
	for _, ident := range p.Identifiers {
		if ident.System != "" {
			it.newIdents.add(p.OrgID, ident.System, ident.Value, p.ID, ident.Type)
		}
	}
}

func patientJSON(p *rapport.Patient) (ids, addr, tags string) {
	idents := p.Identifiers
	if idents == nil {
		idents = []rapport.Identifier{}
	}
	t := p.Tags
	if t == nil {
		t = []string{}
	}
	a, _ := json.Marshal(idents)
	b, _ := json.Marshal(p.Address)
	c, _ := json.Marshal(t)
	return string(a), string(b), string(c)
}

// merge returns old updated with the non-empty fields of p.
func merge(old, p *rapport.Patient) *rapport.Patient {
	m := *old
	m.Identifiers = slices.Clone(old.Identifiers)
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Family, p.Family)
	set(&m.Given, p.Given)
	set(&m.BirthDate, p.BirthDate)
	set(&m.Gender, p.Gender)
	set(&m.Email, p.Email)
	set(&m.Phone, p.Phone)
	set(&m.Language, p.Language)
	set(&m.TimeZone, p.TimeZone)
	if !p.Address.IsZero() {
		m.Address = p.Address
	}
	for _, t := range p.Tags {
		if !slices.Contains(m.Tags, t) {
			m.Tags = append(m.Tags, t)
		}
	}
	return &m
}

func equalPatient(a, b *rapport.Patient) bool {
	ai, aa, at := patientJSON(a)
	bi, ba, bt := patientJSON(b)
	return ai == bi && aa == ba && at == bt && a.Family == b.Family && a.Given == b.Given && a.BirthDate == b.BirthDate &&
		a.Gender == b.Gender && a.Email == b.Email && a.Phone == b.Phone && a.Language == b.Language && a.TimeZone == b.TimeZone
}
