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

// The delivery queue. Workers are system processes that serve every
// organisation: their methods take no Actor, and they audit their reads of
// patient data per organisation under the name "system:delivery".

// ClaimDeliveries leases up to n due deliveries to owner for lease: first
// those in flight under an expired lease (a worker died holding them;
// they come back with Recovered set), then pending ones whose not_before
// has passed, oldest first. On PostgreSQL concurrent workers skip each
// other's rows (FOR UPDATE SKIP LOCKED); SQLite's single writer
// serialises claims in an immediate transaction. A claimed row is in
// flight, with its Message-ID fixed, before anything is sent.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, n int, lease time.Duration) ([]rapport.DeliveryJob, error) {
	if owner == "" || n <= 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "claim needs an owner and a positive batch size")
	}
	var jobs []rapport.DeliveryJob
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		recovered := map[string]bool{}
		var ids []string
		pick := func(query string, args ...any) error {
			rows, err := tx.QueryContext(ctx, s.q(query+s.d.SkipLocked), args...)
			if err != nil {
				return internal("claim deliveries", err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return internal("claim deliveries", err)
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}
		if err := pick(`SELECT id FROM deliveries WHERE state = ? AND lease_until < ? ORDER BY lease_until LIMIT ?`,
			string(rapport.DeliveryInflight), micros(now), n); err != nil {
			return err
		}
		for _, id := range ids {
			recovered[id] = true
		}
		if len(ids) < n {
			if err := pick(`SELECT id FROM deliveries WHERE state = ? AND not_before <= ? ORDER BY not_before LIMIT ?`,
				string(rapport.DeliveryPending), micros(now), n-len(ids)); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		in := qmarks(len(ids))
		args := []any{string(rapport.DeliveryInflight), owner, micros(now.Add(lease)), micros(now)}
		for _, id := range ids {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET state = ?, lease_owner = ?, lease_until = ?, attempts = attempts + 1,
			message_id = CASE WHEN message_id = '' THEN id ELSE message_id END, updated_at = ? WHERE id IN (`+in+`)`), args...); err != nil {
			return internal("lease deliveries", err)
		}
		var err error
		jobs, err = s.loadJobs(ctx, tx, ids, now)
		if err != nil {
			return err
		}
		byOrg := map[string][]string{}
		for i := range jobs {
			jobs[i].Recovered = recovered[jobs[i].ID]
			byOrg[jobs[i].OrgID] = append(byOrg[jobs[i].OrgID], jobs[i].PatientID)
		}
		for org, pids := range byOrg {
			e := rapport.AuditEntryFor(systemActor(org, "system:delivery"), rapport.AuditRead, "Patient")
			e.EntityIDs = pids
			e.Detail = fmt.Sprintf("claimed %d deliveries", len(pids))
			if err := s.appendAudit(ctx, tx, &e); err != nil {
				return err
			}
		}
		return nil
	})
	return jobs, err
}

func systemActor(orgID, name string) rapport.Actor {
	return rapport.Actor{OrgID: orgID, Name: name, Addr: "system"}
}

const deliveryCols = `d.id, d.org_id, d.campaign_id, d.patient_id, d.channel, d.purpose, d.segment, d.arm, d.state, d.reason, d.attempts,
	d.not_before, d.message_id, d.provider_id, d.sent_at, d.updated_at`

func scanDelivery(dst []any, d *rapport.Delivery) []any {
	return append(dst, &d.ID, &d.OrgID, &d.CampaignID, &d.PatientID, &d.Channel, &d.Purpose, &d.Segment, &d.Arm, &d.State, &d.Reason,
		&d.Attempts, nb{&d.NotBefore}, &d.MessageID, &d.ProviderID, nb{&d.SentAt}, nb{&d.UpdatedAt})
}

// nb scans integer microseconds into a time.Time.
type nb struct{ t *time.Time }

func (n nb) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*n.t = fromMicros(x)
	case nil:
		*n.t = time.Time{}
	default:
		return fmt.Errorf("time column: unexpected %T", v)
	}
	return nil
}

func (s *Store) loadJobs(ctx context.Context, tx *sql.Tx, ids []string, now time.Time) ([]rapport.DeliveryJob, error) {
	args := []any{string(rapport.ChannelEmail), string(rapport.ChannelEmail), string(rapport.PurposeTracking), string(rapport.ConsentGranted)}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT `+deliveryCols+`, d.send_started_at, p.given, p.family, p.email, p.phone, p.language, p.time_zone, p.address,
		COALESCE(c.status, ''),
		CASE WHEN EXISTS (SELECT 1 FROM suppressions x WHERE x.org_id = d.org_id AND x.channel = d.channel
			AND x.address = (CASE WHEN d.channel = ? THEN p.email ELSE p.phone END)) THEN 1 ELSE 0 END,
		CASE WHEN EXISTS (SELECT 1 FROM consents t WHERE t.org_id = d.org_id AND t.patient_id = d.patient_id AND t.channel = ?
			AND t.purpose = ? AND t.status = ?) THEN 1 ELSE 0 END
		FROM deliveries d JOIN patients p ON p.org_id = d.org_id AND p.id = d.patient_id
		LEFT JOIN consents c ON c.org_id = d.org_id AND c.patient_id = d.patient_id AND c.channel = d.channel AND c.purpose = d.purpose
		WHERE d.id IN (`+qmarks(len(ids))+`) ORDER BY d.id`), args...)
	if err != nil {
		return nil, internal("load deliveries", err)
	}
	defer rows.Close()
	var jobs []rapport.DeliveryJob
	for rows.Next() {
		var j rapport.DeliveryJob
		var addr, consent string
		var suppressed, track int
		r := &j.Recipient
		dst := scanDelivery(nil, &j.Delivery)
		dst = append(dst, nb{&j.SendStarted}, &r.Given, &r.Family, &r.Email, &r.Phone, &r.Language, &r.TimeZone, &addr, &consent, &suppressed, &track)
		if err := rows.Scan(dst...); err != nil {
			return nil, internal("scan delivery", err)
		}
		var a rapport.Address
		if err := json.Unmarshal([]byte(addr), &a); err != nil {
			return nil, internal("patient address", err)
		}
		r.PatientID, r.State, r.Consent, r.Suppressed = j.PatientID, a.State, rapport.ConsentStatus(consent), suppressed == 1
		r.TrackOpens = track == 1
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("load deliveries", err)
	}
	rows.Close()
	if len(jobs) == 0 {
		return jobs, nil
	}
	// Earlier sends of the same patients, for frequency caps.
	byPatient := map[string][]int{}
	args = []any{micros(now.AddDate(0, 0, -8))}
	for i, j := range jobs {
		if _, ok := byPatient[j.PatientID]; !ok {
			args = append(args, j.PatientID)
		}
		byPatient[j.PatientID] = append(byPatient[j.PatientID], i)
	}
	hist, err := tx.QueryContext(ctx, s.q(`SELECT patient_id, channel, purpose, sent_at FROM deliveries WHERE sent_at >= ? AND patient_id IN (`+
		qmarks(len(args)-1)+`)`), args...)
	if err != nil {
		return nil, internal("send history", err)
	}
	defer hist.Close()
	for hist.Next() {
		var pid, ch, pu string
		var at int64
		if err := hist.Scan(&pid, &ch, &pu, &at); err != nil {
			return nil, internal("send history", err)
		}
		for _, i := range byPatient[pid] {
			if string(jobs[i].Channel) == ch && string(jobs[i].Purpose) == pu {
				jobs[i].Recipient.Sent = append(jobs[i].Recipient.Sent, fromMicros(at))
			}
		}
	}
	return jobs, hist.Err()
}

// StartSend records, the first time only, that owner is about to make the
// network call of a claimed delivery: if a worker dies before recording
// the outcome, the delivery is then known to be uncertain
// (DeliveryJob.SendStarted) rather than certainly unsent, and the time is
// when an idempotency key was first used. It fails with ECONFLICT when
// owner no longer holds the lease.
func (s *Store) StartSend(ctx context.Context, owner, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET send_started_at = CASE WHEN send_started_at = 0 THEN ? ELSE send_started_at END
			WHERE id = ? AND lease_owner = ? AND state = ?`),
			micros(s.clock()), id, owner, string(rapport.DeliveryInflight))
		if err != nil {
			return internal("start send", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return rapport.Errorf(rapport.ECONFLICT, "delivery is no longer leased to this worker")
		}
		return nil
	})
}

// CompleteDeliveries records the outcomes of claimed deliveries by owner in
// one transaction, with one engagement event each. An outcome for a row
// that owner no longer holds (its lease expired and another worker took
// it) is ignored, so two workers never both record a send.
func (s *Store) CompleteDeliveries(ctx context.Context, owner string, outs []rapport.DeliveryOutcome) error {
	if len(outs) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.clock()
		upd, err := tx.PrepareContext(ctx, s.q(`UPDATE deliveries SET state = ?, reason = ?, not_before = ?, provider_id = ?, sent_at = ?,
			lease_owner = '', lease_until = 0, updated_at = ? WHERE id = ? AND lease_owner = ? AND state = ?
			RETURNING org_id, campaign_id, patient_id, channel`))
		if err != nil {
			return internal("prepare complete", err)
		}
		defer upd.Close()
		ev, err := tx.PrepareContext(ctx, s.q(insertEvent))
		if err != nil {
			return internal("prepare event", err)
		}
		defer ev.Close()
		for _, o := range outs {
			var org, camp, pid, ch string
			err := upd.QueryRowContext(ctx, string(o.State), o.Reason, micros(o.NotBefore), o.ProviderID, micros(o.SentAt), micros(now),
				o.ID, owner, string(rapport.DeliveryInflight)).Scan(&org, &camp, &pid, &ch)
			if err == sql.ErrNoRows {
				continue // the lease was lost
			}
			if err != nil {
				return internal("complete delivery", err)
			}
			if o.Event == "" {
				continue
			}
			if _, err := ev.ExecContext(ctx, newID(), org, camp, o.ID, pid, ch, o.Event, micros(now), "worker",
				fmt.Sprintf("%s:%d", o.ID, o.Attempts), o.Reason); err != nil {
				return internal("append event", err)
			}
		}
		return nil
	})
}

// ExtendLease keeps owner's claim on ids alive while it works on them.
func (s *Store) ExtendLease(ctx context.Context, owner string, ids []string, lease time.Duration) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{micros(s.clock().Add(lease)), owner, string(rapport.DeliveryInflight)}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET lease_until = ? WHERE lease_owner = ? AND state = ? AND id IN (`+
			qmarks(len(ids))+`)`), args...); err != nil {
			return internal("extend lease", err)
		}
		return nil
	})
}

// LaunchedCampaign returns a launched campaign for a delivery worker.
func (s *Store) LaunchedCampaign(ctx context.Context, orgID, id string) (*rapport.Campaign, error) {
	c, err := s.campaign(ctx, s.r, orgID, id)
	if err != nil {
		return nil, err
	}
	if c.Status != rapport.CampaignLaunched {
		return nil, rapport.Errorf(rapport.ECONFLICT, "campaign is not launched")
	}
	return c, nil
}

// DeliveryByID returns one delivery, for the unsubscribe and click
// endpoints, whose signed tokens name it.
func (s *Store) DeliveryByID(ctx context.Context, id string) (*rapport.Delivery, error) {
	var d rapport.Delivery
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT `+deliveryCols+` FROM deliveries d WHERE d.id = ?`), id).Scan(scanDelivery(nil, &d)...); err != nil {
		return nil, notFound("delivery", err)
	}
	return &d, nil
}

// insertEventInto starts an append to the engagement log; insertEvent
// appends one event, once per (org, source, source id, type).
const (
	insertEventInto = `INSERT INTO engagement_events (id, org_id, campaign_id, delivery_id, patient_id, channel, type, at, source, source_id, detail)`
	insertEvent     = insertEventInto + ` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, source, source_id, type) DO NOTHING`
)

// RecordOpen records that the email of delivery id was opened (its pixel
// was fetched), once per delivery, and only while the patient's email
// tracking consent stands: consent is checked at the moment of the open,
// in the same transaction, so an open after a revocation is not recorded.
// It reports whether an event was added.
func (s *Store) RecordOpen(ctx context.Context, id string, at time.Time) (bool, error) {
	if at.IsZero() {
		at = s.clock()
	}
	var added bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var d rapport.Delivery
		if err := tx.QueryRowContext(ctx, s.q(`SELECT `+deliveryCols+` FROM deliveries d WHERE d.id = ?`), id).Scan(scanDelivery(nil, &d)...); err != nil {
			return notFound("delivery", err)
		}
		if d.Channel != rapport.ChannelEmail || d.SentAt.IsZero() {
			return nil
		}
		res, err := tx.ExecContext(ctx, s.q(insertEventInto+`
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '' FROM consents t WHERE t.org_id = ? AND t.patient_id = ? AND t.channel = ? AND t.purpose = ? AND t.status = ?
			ON CONFLICT (org_id, source, source_id, type) DO NOTHING`),
			newID(), d.OrgID, d.CampaignID, d.ID, d.PatientID, string(d.Channel), rapport.EventOpened, micros(at), "web", d.ID,
			d.OrgID, d.PatientID, string(rapport.ChannelEmail), string(rapport.PurposeTracking), string(rapport.ConsentGranted))
		if err != nil {
			return internal("record open", err)
		}
		n, _ := res.RowsAffected()
		added = n == 1
		return nil
	})
	return added, err
}

// RecordEngagement appends an event unless (org, source, source id, type)
// is already recorded, which it reports.
func (s *Store) RecordEngagement(ctx context.Context, e *rapport.EngagementEvent) (bool, error) {
	if e.OrgID == "" || e.Type == "" || e.Source == "" || e.SourceID == "" {
		return false, rapport.Errorf(rapport.EINVALID, "an engagement event needs an organisation, a type, a source and a source id")
	}
	if e.At.IsZero() {
		e.At = s.clock()
	}
	e.ID = newID()
	var added bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(insertEvent),
			e.ID, e.OrgID, e.CampaignID, e.DeliveryID, e.PatientID, string(e.Channel), e.Type, micros(e.At), e.Source, e.SourceID, e.Detail)
		if err != nil {
			return internal("append event", err)
		}
		n, _ := res.RowsAffected()
		added = n == 1
		return nil
	})
	return added, err
}

// ApplyProviderStatus moves the delivery sent with providerID to delivered
// or bounced, appends the event once per provider event id, and returns
// the delivery.
func (s *Store) ApplyProviderStatus(ctx context.Context, providerID string, state rapport.DeliveryState, source, sourceID, detail string) (*rapport.Delivery, error) {
	if state != rapport.DeliveryDelivered && state != rapport.DeliveryBounced {
		return nil, rapport.Errorf(rapport.EINVALID, "provider status must be delivered or bounced")
	}
	var d rapport.Delivery
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q(`SELECT `+deliveryCols+` FROM deliveries d WHERE d.provider_id = ?`), providerID).Scan(scanDelivery(nil, &d)...); err != nil {
			return notFound("delivery", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)`),
			string(state), detail, micros(s.clock()), d.ID, string(rapport.DeliverySent), string(rapport.DeliveryDelivered)); err != nil {
			return internal("update delivery status", err)
		}
		typ := rapport.EventDelivered
		if state == rapport.DeliveryBounced {
			typ = rapport.EventBounced
		}
		if _, err := tx.ExecContext(ctx, s.q(insertEvent),
			newID(), d.OrgID, d.CampaignID, d.ID, d.PatientID, string(d.Channel), typ, micros(s.clock()), source, sourceID, detail); err != nil {
			return internal("append event", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Suppress stops every later send to address on channel in orgID (a hard
// bounce, a complaint, a carrier's unsubscribed-recipient error).
func (s *Store) Suppress(ctx context.Context, orgID string, channel rapport.Channel, address, reason string) error {
	if address == "" {
		return rapport.Errorf(rapport.EINVALID, "suppression needs an address")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO suppressions (org_id, channel, address, reason, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, channel, address) DO NOTHING`), orgID, string(channel), address, reason, micros(s.clock())); err != nil {
			return internal("suppress", err)
		}
		e := rapport.AuditEntryFor(systemActor(orgID, "system:suppression"), rapport.AuditCreate, "Suppression")
		e.Detail = string(channel) + " " + reason
		return s.appendAudit(ctx, tx, &e)
	})
}

// SuppressDeliveryAddress suppresses, on the delivery's channel, the
// address delivery id went to (the patient's current email or phone), for
// reason. The address never leaves the database: a bounce or complaint
// that names no recipient can still suppress. It reports whether a
// suppression was added and is audited.
func (s *Store) SuppressDeliveryAddress(ctx context.Context, id, reason string) (bool, error) {
	var added bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var orgID, channel string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT org_id, channel FROM deliveries WHERE id = ?`), id).Scan(&orgID, &channel); err != nil {
			return notFound("delivery", err)
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO suppressions (org_id, channel, address, reason, at)
			SELECT d.org_id, d.channel, CASE WHEN d.channel = ? THEN p.email ELSE p.phone END, ?, ?
			FROM deliveries d JOIN patients p ON p.org_id = d.org_id AND p.id = d.patient_id
			WHERE d.id = ? AND (CASE WHEN d.channel = ? THEN p.email ELSE p.phone END) <> ''
			ON CONFLICT (org_id, channel, address) DO NOTHING`),
			string(rapport.ChannelEmail), reason, micros(s.clock()), id, string(rapport.ChannelEmail))
		if err != nil {
			return internal("suppress delivery address", err)
		}
		n, _ := res.RowsAffected()
		added = n == 1
		e := rapport.AuditEntryFor(systemActor(orgID, "system:suppression"), rapport.AuditCreate, "Suppression")
		e.Detail = channel + " " + reason
		return s.appendAudit(ctx, tx, &e)
	})
	return added, err
}

// RecordOptOut revokes, for every patient of orgID reachable at address on
// channel, the consents in scope, as consent events with source and
// evidence (a message id, never the text). It reports the patients whose
// consent changed and whether any matched at all. Recording the same
// opt-out twice changes nothing.
func (s *Store) RecordOptOut(ctx context.Context, orgID string, channel rapport.Channel, address string, scope []rapport.ChannelPurpose,
	source, evidence string, at time.Time) (changed []string, matched bool, err error) {
	return s.recordKeyword(ctx, orgID, channel, address, scope, rapport.ConsentRevoked, source, evidence, at)
}

// RecordOptIn grants, for every patient of orgID reachable at address on
// channel, the consents in scope (a START reply). It reports the patients
// whose consent changed.
func (s *Store) RecordOptIn(ctx context.Context, orgID string, channel rapport.Channel, address string, scope []rapport.ChannelPurpose,
	source, evidence string, at time.Time) ([]string, error) {
	changed, _, err := s.recordKeyword(ctx, orgID, channel, address, scope, rapport.ConsentGranted, source, evidence, at)
	return changed, err
}

func (s *Store) recordKeyword(ctx context.Context, orgID string, channel rapport.Channel, address string, scope []rapport.ChannelPurpose,
	status rapport.ConsentStatus, source, evidence string, at time.Time) (changed []string, matched bool, err error) {
	col := "email"
	if channel == rapport.ChannelSMS || channel == rapport.ChannelVoice {
		col = "phone"
	}
	if address == "" {
		return nil, false, rapport.Errorf(rapport.EINVALID, "opt-out needs an address")
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM patients WHERE org_id = ? AND `+col+` = ?`), orgID, address)
		if err != nil {
			return internal("find opted-out patients", err)
		}
		var pids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return internal("find opted-out patients", err)
			}
			pids = append(pids, id)
		}
		rows.Close()
		matched = len(pids) > 0
		changed, err = s.setConsents(ctx, tx, orgID, pids, scope, status, source, evidence, at)
		return err
	})
	return changed, matched, err
}

// RevokeConsents revokes the consents in scope of one patient (a one-click
// unsubscribe names the delivery, hence the patient). It reports whether
// anything changed.
func (s *Store) RevokeConsents(ctx context.Context, orgID, patientID string, scope []rapport.ChannelPurpose, source, evidence string, at time.Time) (bool, error) {
	var changed []string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, err = s.setConsents(ctx, tx, orgID, []string{patientID}, scope, rapport.ConsentRevoked, source, evidence, at)
		return err
	})
	return len(changed) > 0, err
}

// RecordConversationOptOut revokes scope for the patient linked to inbox
// conversation convID of orgID, as RevokeConsents does. It reports whether
// a consent changed and whether the conversation is linked to a patient
// at all; an unknown conversation is ENOTFOUND.
func (s *Store) RecordConversationOptOut(ctx context.Context, orgID, convID string, scope []rapport.ChannelPurpose, source, evidence string,
	at time.Time) (changed, linked bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var pid string
		if err := tx.QueryRowContext(ctx, s.q(`SELECT patient_id FROM inbox_conversations WHERE org_id = ? AND id = ?`), orgID, convID).Scan(&pid); err != nil {
			return notFound("conversation", err)
		}
		if pid == "" {
			return nil
		}
		linked = true
		got, err := s.setConsents(ctx, tx, orgID, []string{pid}, scope, rapport.ConsentRevoked, source, evidence, at)
		changed = len(got) > 0
		return err
	})
	return changed, linked, err
}

// setConsents moves the consents in scope of pids to status, skipping
// those already there, and audits the change.
func (s *Store) setConsents(ctx context.Context, tx *sql.Tx, orgID string, pids []string, scope []rapport.ChannelPurpose,
	status rapport.ConsentStatus, source, evidence string, at time.Time) ([]string, error) {
	actor := systemActor(orgID, "system:"+source)
	var changed []string
	for _, pid := range pids {
		did := false
		for _, sc := range scope {
			var cur string
			err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM consents WHERE org_id = ? AND patient_id = ? AND channel = ? AND purpose = ?`),
				orgID, pid, string(sc.Channel), string(sc.Purpose)).Scan(&cur)
			if err != nil && err != sql.ErrNoRows {
				return nil, internal("read consent", err)
			}
			if cur == string(status) {
				continue
			}
			c := &rapport.ConsentEvent{OrgID: orgID, PatientID: pid, Channel: sc.Channel, Purpose: sc.Purpose,
				Status: status, At: at, Source: source, Evidence: evidence}
			added, err := s.insertConsent(ctx, tx, actor, c)
			if err != nil {
				return nil, err
			}
			did = did || added
		}
		if did {
			changed = append(changed, pid)
		}
	}
	if len(changed) > 0 {
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Consent")
		e.EntityIDs = changed
		var parts []string
		for _, sc := range scope {
			parts = append(parts, string(sc.Channel)+"/"+string(sc.Purpose))
		}
		e.Detail = "keyword " + string(status) + " " + strings.Join(parts, ",")
		if err := s.appendAudit(ctx, tx, &e); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// OptedOut reports whether every patient reachable at address on channel
// in orgID has no granted consent left on that channel, which is when a
// STOP has nothing more to revoke (and needs no second confirmation).
func (s *Store) OptedOut(ctx context.Context, orgID string, channel rapport.Channel, address string) (bool, error) {
	col := "email"
	if channel == rapport.ChannelSMS || channel == rapport.ChannelVoice {
		col = "phone"
	}
	var n int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM patients p JOIN consents c ON c.org_id = p.org_id AND c.patient_id = p.id
		WHERE p.org_id = ? AND p.`+col+` = ? AND c.channel = ? AND c.status = ?`), orgID, address, string(channel), string(rapport.ConsentGranted)).Scan(&n); err != nil {
		return false, internal("read consent", err)
	}
	return n == 0, nil
}

// OrgIDBySlug returns the id of the organisation with slug, for webhooks
// whose URL names it.
func (s *Store) OrgIDBySlug(ctx context.Context, slug string) (string, error) {
	o, err := s.OrgBySlug(ctx, slug)
	if err != nil {
		return "", err
	}
	return o.ID, nil
}

// LatestSentTo returns the delivery most recently sent on channel to any
// patient of orgID at address, for linking a reply to what it answers.
func (s *Store) LatestSentTo(ctx context.Context, orgID string, channel rapport.Channel, address string) (*rapport.Delivery, error) {
	col := "email"
	if channel == rapport.ChannelSMS || channel == rapport.ChannelVoice {
		col = "phone"
	}
	var d rapport.Delivery
	err := s.r.QueryRowContext(ctx, s.q(`SELECT `+deliveryCols+` FROM deliveries d JOIN patients p ON p.id = d.patient_id
		WHERE d.org_id = ? AND p.org_id = ? AND p.`+col+` = ? AND d.channel = ? AND d.sent_at > 0 ORDER BY d.sent_at DESC LIMIT 1`),
		orgID, orgID, address, string(channel)).Scan(scanDelivery(nil, &d)...)
	if err != nil {
		return nil, notFound("delivery", err)
	}
	return &d, nil
}

// ReserveSlots reserves the next n send slots, every apart, of the
// provider account key (for example "sms:AC…"), for every process sharing
// the database: it returns the time of the first, which is now (the
// caller's clock, which its sends are timed by) or the end of the last
// reservation, whichever is later. Slots a process reserves and does not
// use are lost, so the shared rate is never exceeded.
func (s *Store) ReserveSlots(ctx context.Context, key string, now time.Time, n int, every time.Duration) (time.Time, error) {
	if key == "" || n <= 0 || every <= 0 {
		return time.Time{}, rapport.Errorf(rapport.EINVALID, "a slot reservation needs a key, a count and an interval")
	}
	var start time.Time
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO rate_limits (account, next_at) VALUES (?, 0) ON CONFLICT (account) DO NOTHING`), key); err != nil {
			return internal("rate limit", err)
		}
		var next int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT next_at FROM rate_limits WHERE account = ?`+s.d.ForUpdate), key).Scan(&next); err != nil {
			return internal("rate limit", err)
		}
		start = now.UTC().Truncate(time.Microsecond)
		if t := fromMicros(next); t.After(start) {
			start = t
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE rate_limits SET next_at = ? WHERE account = ?`),
			micros(start.Add(time.Duration(n)*every)), key); err != nil {
			return internal("rate limit", err)
		}
		return nil
	})
	return start, err
}
