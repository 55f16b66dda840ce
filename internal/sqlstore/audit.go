package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/audit"
)

// appendAudit appends e to its organisation's chain inside tx. It locks the
// chain head so that concurrent transactions append one after the other.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, e *rapport.AuditEntry) error {
	var seq int64
	var prev []byte
	err := tx.QueryRowContext(ctx, s.q(`SELECT seq, hash FROM audit_heads WHERE org_id = ?`+s.d.ForUpdate), e.OrgID).Scan(&seq, &prev)
	if err != nil {
		return internal("audit head", err)
	}
	if e.At.IsZero() {
		e.At = s.clock()
	}
	if e.Outcome == "" {
		e.Outcome = rapport.OutcomeOK
	}
	e.Seq = seq + 1
	if len(prev) == 0 {
		prev = nil
	}
	audit.Seal(prev, e)
	ids, err := json.Marshal(e.EntityIDs)
	if err != nil {
		return internal("audit ids", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_log (org_id, seq, at, actor_name, actor_role, user_id, token_id, addr,
		action, entity, entity_ids, outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.OrgID, e.Seq, micros(e.At), e.ActorName, e.ActorRole, e.UserID, e.TokenID, e.Addr,
		e.Action, e.Entity, string(ids), e.Outcome, e.Detail, nonNil(e.PrevHash), e.Hash); err != nil {
		return internal("append audit", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE audit_heads SET seq = ?, hash = ? WHERE org_id = ?`), e.Seq, e.Hash, e.OrgID); err != nil {
		return internal("advance audit head", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// audited appends e in its own write transaction. Reads use it: the data is
// read from the read pool, and is returned only once the audit entry is
// durable.
func (s *Store) audited(ctx context.Context, e rapport.AuditEntry) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.appendAudit(ctx, tx, &e) })
}

// RecordAudit appends an entry for an event that is not a store write.
func (s *Store) RecordAudit(ctx context.Context, e rapport.AuditEntry) error {
	if e.OrgID == "" || e.Action == "" {
		return rapport.Errorf(rapport.EINVALID, "an audit entry needs an organisation and an action")
	}
	return s.audited(ctx, e)
}

// AuditEntries returns the actor's organisation's entries after afterSeq.
func (s *Store) AuditEntries(ctx context.Context, actor rapport.Actor, afterSeq int64, limit int) ([]rapport.AuditEntry, error) {
	if err := actor.Require(rapport.PermAuditRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	entries, err := s.auditRange(ctx, actor.OrgID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	e := rapport.AuditEntryFor(actor, rapport.AuditRead, "AuditEvent")
	e.Detail = fmt.Sprintf("%d entries", len(entries))
	if err := s.audited(ctx, e); err != nil {
		return nil, err
	}
	return entries, nil
}

func (s *Store) auditRange(ctx context.Context, orgID string, afterSeq int64, limit int) ([]rapport.AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT org_id, seq, at, actor_name, actor_role, user_id, token_id, addr, action, entity,
		entity_ids, outcome, detail, prev_hash, hash FROM audit_log WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`), orgID, afterSeq, limit)
	if err != nil {
		return nil, internal("read audit", err)
	}
	defer rows.Close()
	var out []rapport.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("read audit", err)
	}
	return out, nil
}

func scanAudit(rows *sql.Rows) (rapport.AuditEntry, error) {
	var e rapport.AuditEntry
	var at int64
	var ids string
	if err := rows.Scan(&e.OrgID, &e.Seq, &at, &e.ActorName, &e.ActorRole, &e.UserID, &e.TokenID, &e.Addr, &e.Action, &e.Entity,
		&ids, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return e, internal("scan audit", err)
	}
	e.At = fromMicros(at)
	if err := json.Unmarshal([]byte(ids), &e.EntityIDs); err != nil {
		// A row whose id list no longer parses has been edited; the hash
		// check will say so. Keep the raw text so the hash differs.
		e.EntityIDs = []string{ids}
	}
	if len(e.PrevHash) == 0 {
		e.PrevHash = nil
	}
	return e, nil
}

// CheckpointAudit signs the current head of every organisation's chain.
func (s *Store) CheckpointAudit(ctx context.Context) error {
	if s.signer == nil {
		return audit.ErrNoKey
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT org_id, seq, hash FROM audit_heads WHERE seq > 0 ORDER BY org_id`+s.d.ForUpdate))
		if err != nil {
			return internal("read audit heads", err)
		}
		var cps []audit.Checkpoint
		for rows.Next() {
			var c audit.Checkpoint
			if err := rows.Scan(&c.OrgID, &c.Size, &c.Head); err != nil {
				rows.Close()
				return internal("scan audit head", err)
			}
			cps = append(cps, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("read audit heads", err)
		}
		now := s.clock()
		for _, c := range cps {
			c.At = now
			s.signer.Sign(&c)
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_checkpoints (org_id, size, head, at, key_id, signature)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, size) DO NOTHING`),
				c.OrgID, c.Size, c.Head, micros(c.At), c.KeyID, c.Signature); err != nil {
				return internal("write checkpoint", err)
			}
		}
		return nil
	})
}

// VerifyAudit recomputes every organisation's chain and checks it against
// the chain heads and the signed checkpoints.
func (s *Store) VerifyAudit(ctx context.Context) (rapport.AuditReport, error) {
	var rep rapport.AuditReport
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT org_id, seq, hash FROM audit_heads ORDER BY org_id`))
	if err != nil {
		return rep, internal("read audit heads", err)
	}
	type head struct {
		org  string
		seq  int64
		hash []byte
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.org, &h.seq, &h.hash); err != nil {
			rows.Close()
			return rep, internal("scan audit head", err)
		}
		heads = append(heads, h)
	}
	rows.Close()
	for _, h := range heads {
		cps, err := s.checkpoints(ctx, h.org)
		if err != nil {
			return rep, err
		}
		sizes := make([]int64, len(cps))
		for i, c := range cps {
			sizes[i] = c.Size
		}
		v := audit.NewVerifier(h.org, sizes)
		for after := int64(0); ; {
			batch, err := s.auditRange(ctx, h.org, after, 5000)
			if err != nil {
				return rep, err
			}
			for _, e := range batch {
				v.Add(e)
			}
			rep.Entries += int64(len(batch))
			if len(batch) < 5000 {
				break
			}
			after = batch[len(batch)-1].Seq
		}
		if v.Size() != h.seq {
			v.Problems = append(v.Problems, fmt.Sprintf("org %s: chain has %d entries, head says %d: entries deleted", h.org, v.Size(), h.seq))
		}
		if s.signer != nil {
			for _, c := range cps {
				v.Check(s.signer.Public(), c)
			}
		}
		rep.Orgs++
		rep.Checkpoints += len(cps)
		rep.Problems = append(rep.Problems, v.Problems...)
	}
	return rep, nil
}

func (s *Store) checkpoints(ctx context.Context, orgID string) ([]audit.Checkpoint, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT org_id, size, head, at, key_id, signature FROM audit_checkpoints WHERE org_id = ? ORDER BY size`), orgID)
	if err != nil {
		return nil, internal("read checkpoints", err)
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var c audit.Checkpoint
		var at int64
		if err := rows.Scan(&c.OrgID, &c.Size, &c.Head, &at, &c.KeyID, &c.Signature); err != nil {
			return nil, internal("scan checkpoint", err)
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
