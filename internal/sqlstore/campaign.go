package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/rapport-health/rapport"
)

const campaignCols = `id, org_id, name, channel, purpose, audience, variants, holdout_percent, status, created_at, launched_at, created_by`

func validateCampaign(c *rapport.Campaign) error {
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 200 {
		return rapport.Errorf(rapport.EINVALID, "campaign field name must be 1 to 200 characters")
	}
	c.Audience.Channel, c.Audience.Purpose = c.Channel, c.Purpose
	if err := c.Audience.Validate(); err != nil {
		return err
	}
	if c.HoldoutPercent < 0 || c.HoldoutPercent > 50 {
		return rapport.Errorf(rapport.EINVALID, "campaign field holdout_percent must be within 0..50")
	}
	if len(c.Variants) == 0 || len(c.Variants) > 100 {
		return rapport.Errorf(rapport.EINVALID, "campaign field variants: want 1 to 100 variants")
	}
	seen := map[string]bool{}
	for i, v := range c.Variants {
		if v.Arm == "" {
			c.Variants[i].Arm = "A"
		}
		if v.Weight < 0 || v.Weight > 1000 {
			return rapport.Errorf(rapport.EINVALID, "campaign field variants[%d].weight must be 0..1000", i)
		}
		if v.Link != "" {
			u, err := url.Parse(v.Link)
			if err != nil || u.Scheme != "https" || u.Host == "" || len(v.Link) > 2000 {
				return rapport.Errorf(rapport.EINVALID, "campaign field variants[%d].link must be an https:// URL", i)
			}
		}
		key := v.Segment + "\x00" + c.Variants[i].Arm
		if seen[key] {
			return rapport.Errorf(rapport.EINVALID, "campaign field variants[%d]: segment %q arm %q appears twice", i, v.Segment, c.Variants[i].Arm)
		}
		seen[key] = true
	}
	return nil
}

// CreateCampaign stores a draft campaign.
func (s *Store) CreateCampaign(ctx context.Context, actor rapport.Actor, c *rapport.Campaign) error {
	if err := actor.Require(rapport.PermCampaignWrite); err != nil {
		return err
	}
	if err := validateCampaign(c); err != nil {
		return err
	}
	c.ID, c.OrgID, c.Status, c.CreatedAt, c.CreatedBy = newID(), actor.OrgID, rapport.CampaignDraft, s.clock(), actor.Name
	aud, _ := json.Marshal(c.Audience)
	vars, _ := json.Marshal(c.Variants)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO campaigns (`+campaignCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.OrgID, c.Name, string(c.Channel), string(c.Purpose), string(aud), string(vars), c.HoldoutPercent,
			string(c.Status), micros(c.CreatedAt), int64(0), c.CreatedBy); err != nil {
			return internal("insert campaign", err)
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditCreate, "Campaign")
		e.EntityIDs = []string{c.ID}
		return s.appendAudit(ctx, tx, &e)
	})
}

// UpdateCampaign replaces a draft's name, audience, variants and holdout.
func (s *Store) UpdateCampaign(ctx context.Context, actor rapport.Actor, c *rapport.Campaign) error {
	if err := actor.Require(rapport.PermCampaignWrite); err != nil {
		return err
	}
	if err := validateCampaign(c); err != nil {
		return err
	}
	aud, _ := json.Marshal(c.Audience)
	vars, _ := json.Marshal(c.Variants)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE campaigns SET name = ?, channel = ?, purpose = ?, audience = ?, variants = ?, holdout_percent = ?
			WHERE org_id = ? AND id = ? AND status = ?`), c.Name, string(c.Channel), string(c.Purpose), string(aud), string(vars),
			c.HoldoutPercent, actor.OrgID, c.ID, string(rapport.CampaignDraft))
		if err != nil {
			return internal("update campaign", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.campaign(ctx, tx, actor.OrgID, c.ID); err != nil {
				return err
			}
			return rapport.Errorf(rapport.ECONFLICT, "a launched campaign cannot be changed")
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "Campaign")
		e.EntityIDs = []string{c.ID}
		return s.appendAudit(ctx, tx, &e)
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) campaign(ctx context.Context, db queryer, orgID, id string) (*rapport.Campaign, error) {
	return scanCampaign(db.QueryRowContext(ctx, s.q(`SELECT `+campaignCols+` FROM campaigns WHERE org_id = ? AND id = ?`), orgID, id))
}

// Campaigns returns the actor's organisation's campaigns, newest first, at
// most limit (100 when 0).
func (s *Store) Campaigns(ctx context.Context, actor rapport.Actor, limit int) ([]rapport.Campaign, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+campaignCols+` FROM campaigns WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`),
		actor.OrgID, limit)
	if err != nil {
		return nil, internal("list campaigns", err)
	}
	defer rows.Close()
	var out []rapport.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list campaigns", err)
	}
	return out, nil
}

func scanCampaign(row interface{ Scan(...any) error }) (*rapport.Campaign, error) {
	var c rapport.Campaign
	var ch, pu, aud, vars, st string
	var created, launched int64
	err := row.Scan(&c.ID, &c.OrgID, &c.Name, &ch, &pu, &aud, &vars, &c.HoldoutPercent, &st, &created, &launched, &c.CreatedBy)
	if err != nil {
		return nil, notFound("campaign", err)
	}
	c.Channel, c.Purpose, c.Status = rapport.Channel(ch), rapport.Purpose(pu), rapport.CampaignStatus(st)
	c.CreatedAt, c.LaunchedAt = fromMicros(created), fromMicros(launched)
	if err := json.Unmarshal([]byte(aud), &c.Audience); err != nil {
		return nil, internal("campaign audience", err)
	}
	if err := json.Unmarshal([]byte(vars), &c.Variants); err != nil {
		return nil, internal("campaign variants", err)
	}
	return &c, nil
}

// Campaign returns one campaign of the actor's organisation.
func (s *Store) Campaign(ctx context.Context, actor rapport.Actor, id string) (*rapport.Campaign, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return nil, err
	}
	return s.campaign(ctx, s.r, actor.OrgID, id)
}

// LaunchCampaign freezes a draft and materialises its delivery queue in
// the same transaction: one row per recipient of the audience as it is
// now, holdout members included and marked holdout. A recipient whose
// segment has no variant and no fallback variant gets no row.
func (s *Store) LaunchCampaign(ctx context.Context, actor rapport.Actor, id string, assign rapport.Assigner) (rapport.LaunchResult, error) {
	var res rapport.LaunchResult
	if err := actor.Require(rapport.PermCampaignWrite); err != nil {
		return res, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.campaign(ctx, tx, actor.OrgID, id)
		if err != nil {
			return err
		}
		now := s.clock()
		up, err := tx.ExecContext(ctx, s.q(`UPDATE campaigns SET status = ?, launched_at = ? WHERE org_id = ? AND id = ? AND status = ?`),
			string(rapport.CampaignLaunched), micros(now), actor.OrgID, id, string(rapport.CampaignDraft))
		if err != nil {
			return internal("launch campaign", err)
		}
		if n, _ := up.RowsAffected(); n == 0 {
			return rapport.Errorf(rapport.ECONFLICT, "campaign is already launched")
		}
		suppressed, err := s.anySuppressed(ctx, tx, actor.OrgID, c.Channel)
		if err != nil {
			return err
		}
		q := buildAudience(actor.OrgID, c.Audience, now, suppressed)
		// The recipients are read first and inserted after: SQLite's
		// single connection cannot interleave a cursor and inserts.
		rows, err := tx.QueryContext(ctx, s.q(`SELECT c.patient_id, `+q.seg+` FROM `+q.from+` WHERE `+q.where), q.args...)
		if err != nil {
			return internal("read audience", err)
		}
		type rcpt struct{ pid, seg string }
		var rs []rcpt
		for rows.Next() {
			var r rcpt
			if err := rows.Scan(&r.pid, &r.seg); err != nil {
				rows.Close()
				return internal("read audience", err)
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return internal("read audience", err)
		}
		b := newBulk("deliveries", "id, org_id, campaign_id, patient_id, channel, purpose, segment, arm, state, not_before, updated_at",
			" ON CONFLICT (campaign_id, patient_id, channel) DO NOTHING")
		for _, r := range rs {
			arm, holdout, ok := assign(c.ID, r.pid, r.seg)
			if !ok {
				res.NoVariant++
				continue
			}
			st := rapport.DeliveryPending
			if holdout {
				st = rapport.DeliveryHoldout
				res.Holdout++
			} else {
				res.Deliveries++
			}
			b.add(newID(), actor.OrgID, c.ID, r.pid, string(c.Channel), string(c.Purpose), r.seg, arm, string(st), micros(now), micros(now))
			if b.rows >= 5000 {
				if err := b.flush(ctx, s, tx); err != nil {
					return err
				}
			}
		}
		if err := b.flush(ctx, s, tx); err != nil {
			return err
		}
		for _, st := range b.stmts {
			st.Close()
		}
		e := rapport.AuditEntryFor(actor, rapport.AuditUpdate, "Campaign")
		e.EntityIDs = []string{c.ID}
		e.Detail = fmt.Sprintf("launched: %d deliveries, %d holdout", res.Deliveries, res.Holdout)
		return s.appendAudit(ctx, tx, &e)
	})
	return res, err
}

// EngagementCounts counts a campaign's engagement events by type (sent,
// clicked, opened, opted_out…). Counts only; it needs PermAggregateRead.
func (s *Store) EngagementCounts(ctx context.Context, actor rapport.Actor, campaignID string) (map[string]int, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT type, COUNT(*) FROM engagement_events WHERE org_id = ? AND campaign_id = ? GROUP BY type`),
		actor.OrgID, campaignID)
	if err != nil {
		return nil, internal("count engagement", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			return nil, internal("count engagement", err)
		}
		out[typ] = n
	}
	return out, rows.Err()
}

// DeliveryCounts counts a campaign's deliveries by state.
func (s *Store) DeliveryCounts(ctx context.Context, actor rapport.Actor, campaignID string) (map[rapport.DeliveryState]int, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT state, COUNT(*) FROM deliveries WHERE org_id = ? AND campaign_id = ? GROUP BY state`),
		actor.OrgID, campaignID)
	if err != nil {
		return nil, internal("count deliveries", err)
	}
	defer rows.Close()
	out := map[rapport.DeliveryState]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, internal("count deliveries", err)
		}
		out[rapport.DeliveryState(st)] = n
	}
	return out, rows.Err()
}
