package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/rapport-health/rapport"
)

var _ rapport.SegmentStore = (*Store)(nil)

// RecordAssessment appends an assessment and moves the patient's current
// segment under its model forward when it is the newest.
func (s *Store) RecordAssessment(ctx context.Context, actor rapport.Actor, a *rapport.Assessment) error {
	if err := actor.Require(rapport.PermSegmentWrite); err != nil {
		return err
	}
	if a.PatientID == "" || a.ModelID == "" || a.Segment == "" {
		return rapport.Errorf(rapport.EINVALID, "an assessment needs a patient, a model and a segment")
	}
	if a.Probability < 0 || a.Probability > 1 {
		return rapport.Errorf(rapport.EINVALID, "probability must be within 0..1")
	}
	if a.At.IsZero() {
		a.At = s.clock()
	}
	a.ID, a.OrgID = newID(), actor.OrgID
	probs, err := json.Marshal(a.Probabilities)
	if err != nil {
		return rapport.Errorf(rapport.EINVALID, "probabilities are not valid numbers")
	}
	ch := a.Channels
	if ch == nil {
		ch = []string{}
	}
	chans, _ := json.Marshal(ch)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM patients WHERE org_id = ? AND id = ?`), actor.OrgID, a.PatientID).Scan(&n); err != nil {
			return internal("find patient", err)
		}
		if n == 0 {
			return rapport.Errorf(rapport.ENOTFOUND, "patient not found")
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO assessments (id, org_id, patient_id, model_id, model_version, form, segment,
			probability, probabilities, answered, channels, at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			a.ID, a.OrgID, a.PatientID, a.ModelID, a.ModelVersion, a.Form, a.Segment, a.Probability, string(probs), a.Answered,
			string(chans), micros(a.At), a.Source); err != nil {
			return internal("insert assessment", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO patient_segments (org_id, patient_id, model_id, segment, probability, at, assessment_id)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, model_id, patient_id) DO UPDATE
			SET segment = excluded.segment, probability = excluded.probability, at = excluded.at, assessment_id = excluded.assessment_id
			WHERE excluded.at >= patient_segments.at`),
			a.OrgID, a.PatientID, a.ModelID, a.Segment, a.Probability, micros(a.At), a.ID); err != nil {
			return internal("update current segment", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Assessment")
		e.EntityIDs = []string{a.PatientID, a.ID}
		e.Detail = "model " + a.ModelID + "@" + a.ModelVersion
		return s.appendAudit(ctx, tx, &e)
	})
}

// Assessments returns a patient's assessments, newest first.
func (s *Store) Assessments(ctx context.Context, actor rapport.Actor, patientID string) ([]rapport.Assessment, error) {
	if err := actor.Require(rapport.PermPatientRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, org_id, patient_id, model_id, model_version, form, segment, probability,
		probabilities, answered, channels, at, source FROM assessments WHERE org_id = ? AND patient_id = ? ORDER BY at DESC, id DESC`),
		actor.OrgID, patientID)
	if err != nil {
		return nil, internal("read assessments", err)
	}
	defer rows.Close()
	var out []rapport.Assessment
	for rows.Next() {
		var a rapport.Assessment
		var probs, chans string
		var at int64
		if err := rows.Scan(&a.ID, &a.OrgID, &a.PatientID, &a.ModelID, &a.ModelVersion, &a.Form, &a.Segment, &a.Probability,
			&probs, &a.Answered, &chans, &at, &a.Source); err != nil {
			return nil, internal("scan assessment", err)
		}
		if err := json.Unmarshal([]byte(probs), &a.Probabilities); err != nil {
			return nil, internal("assessment probabilities", err)
		}
		if err := json.Unmarshal([]byte(chans), &a.Channels); err != nil {
			return nil, internal("assessment channels", err)
		}
		a.At = fromMicros(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read assessments", err)
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditRead, "Assessment")
	e.EntityIDs = []string{patientID}
	e.Detail = fmt.Sprintf("%d assessments", len(out))
	if err := s.audited(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// SegmentCounts counts patients by current segment under modelID.
func (s *Store) SegmentCounts(ctx context.Context, actor rapport.Actor, modelID string) (map[string]int, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT segment, COUNT(*) FROM patient_segments WHERE org_id = ? AND model_id = ? GROUP BY segment`),
		actor.OrgID, modelID)
	if err != nil {
		return nil, internal("count segments", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var seg string
		var n int
		if err := rows.Scan(&seg, &n); err != nil {
			return nil, internal("count segments", err)
		}
		out[seg] = n
	}
	return out, rows.Err()
}
