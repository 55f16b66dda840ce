package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/rapport-health/rapport"
)

// BulkAssess records an assessment under modelID for every patient of the
// actor's organisation for which classify answers ok, with multi-row
// inserts in one transaction. It is for loading a classified population
// (a migration from another system, a benchmark); answers posted one by
// one go through RecordAssessment.
func (s *Store) BulkAssess(ctx context.Context, actor rapport.Actor, modelID, version string,
	classify func(patientID string) (segment string, probability float64, ok bool)) (int, error) {
	if err := actor.Require(rapport.PermSegmentWrite); err != nil {
		return 0, err
	}
	if modelID == "" {
		return 0, rapport.Errorf(rapport.EINVALID, "bulk assessment needs a model")
	}
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM patients WHERE org_id = ? ORDER BY id`), actor.OrgID)
		if err != nil {
			return internal("read patients", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return internal("read patients", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("read patients", err)
		}
		now := micros(s.clock())
		as := newBulk("assessments", "id, org_id, patient_id, model_id, model_version, form, segment, probability, probabilities, answered, channels, at, source", "")
		ps := newBulk("patient_segments", "org_id, patient_id, model_id, segment, probability, at, assessment_id",
			` ON CONFLICT (org_id, model_id, patient_id) DO UPDATE SET segment = excluded.segment, probability = excluded.probability,
			at = excluded.at, assessment_id = excluded.assessment_id WHERE excluded.at >= patient_segments.at`)
		flush := func() error {
			if err := as.flush(ctx, s, tx); err != nil {
				return err
			}
			return ps.flush(ctx, s, tx)
		}
		for _, pid := range ids {
			seg, p, ok := classify(pid)
			if !ok {
				continue
			}
			if p < 0 || p > 1 || seg == "" {
				return rapport.Errorf(rapport.EINVALID, "bulk assessment: a segment and a probability within 0..1 are required")
			}
			id := newID()
			as.add(id, actor.OrgID, pid, modelID, version, "bulk", seg, p, fmt.Sprintf(`{%q:%g}`, seg, p), 0, "[]", now, "bulk")
			ps.add(actor.OrgID, pid, modelID, seg, p, now, id)
			n++
			if as.rows >= 5000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		for _, b := range []*bulk{as, ps} {
			for _, st := range b.stmts {
				st.Close()
			}
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Assessment")
		e.Detail = fmt.Sprintf("bulk: %d assessments, model %s@%s", n, modelID, version)
		return s.appendAudit(ctx, tx, &e)
	})
	return n, err
}

// Analyze refreshes the query planner's statistics (ANALYZE, the same
// statement on both databases), which audience queries need after a bulk
// load to start from the most selective index.
func (s *Store) Analyze(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, "ANALYZE"); err != nil {
		return internal("analyze", err)
	}
	return nil
}
