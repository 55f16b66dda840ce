package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport"
)

var _ rapport.CampaignStore = (*Store)(nil)

// audienceQuery is an audience as SQL: the FROM and WHERE of a statement
// over patients p (and their current segment s when a model is named),
// with its arguments. Everything is one statement on both databases, so a
// count is one index-driven scan and never a loop in Go.
type audienceQuery struct {
	from  string
	where string
	args  []any
	seg   string // the expression of the recipient's segment
	// driver is the patient id column of the table the plan starts from,
	// where a condition costs an index entry rather than a row probe.
	driver string
}

// likeEscape escapes s for a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// qmarks returns n comma-separated placeholders.
func qmarks(n int) string { return "?" + strings.Repeat(", ?", n-1) }

// buildAudience turns f into SQL for orgID on the day of now.
//
// The join order is fixed with CROSS JOIN (SQLite never reorders a CROSS
// JOIN; PostgreSQL treats it as an inner join and plans it itself): start
// from an index that yields patients in id order — the patients of the one
// chosen segment (patient_segments_segment) when exactly one is named,
// else those with granted consent for the channel and purpose
// (consents_audience) — and probe the others by key. Probes in id order
// walk each table in order; measured over a million patients they cost a
// third to a half of probes in any other order, which is why two or more
// segments start from the consents, not from two runs of the segment
// index. Left to itself, SQLite's planner scans every patient of the
// organisation first, which is 3–4 times slower.
//
// suppressed says whether the organisation has any suppressed address on
// the channel; when it has none the per-recipient suppression probe (a
// third of a consent-only count's time) is left out.
func buildAudience(orgID string, af rapport.AudienceFilter, now time.Time, suppressed bool) audienceQuery {
	var q audienceQuery
	var where []string
	consent := func() {
		where = append(where, "c.org_id = ?", "c.channel = ?", "c.purpose = ?", "c.status = ?")
		q.args = append(q.args, orgID, string(af.Channel), string(af.Purpose), string(rapport.ConsentGranted))
	}
	segments := func() {
		where = append(where, "s.org_id = ?", "s.model_id = ?")
		q.args = append(q.args, orgID, af.ModelID)
		if len(af.Segments) > 0 {
			where = append(where, "s.segment IN ("+qmarks(len(af.Segments))+")")
			for _, sg := range af.Segments {
				q.args = append(q.args, sg)
			}
		}
		if af.MinProbability > 0 {
			where = append(where, "s.probability >= ?")
			q.args = append(q.args, af.MinProbability)
		}
	}
	q.seg = "''"
	switch {
	case len(af.Segments) == 1:
		q.from = "patient_segments s CROSS JOIN consents c CROSS JOIN patients p"
		q.driver = "s.patient_id"
		segments()
		consent()
		where = append(where, "c.patient_id = s.patient_id")
		q.seg = "s.segment"
	case af.ModelID != "":
		q.from = "consents c CROSS JOIN patient_segments s CROSS JOIN patients p"
		q.driver = "c.patient_id"
		consent()
		segments()
		where = append(where, "s.patient_id = c.patient_id")
		q.seg = "s.segment"
	default:
		q.from = "consents c CROSS JOIN patients p"
		q.driver = "c.patient_id"
		consent()
	}
	// The tenant check on p is written so that PostgreSQL cannot turn it
	// into "p.org_id = constant" and probe patients by organisation: with
	// statistics that have not seen a new tenant yet (a bulk import does
	// not ANALYZE) it estimated one row and nested-looped over the
	// organisation index, 129 s for a 20,000-patient launch. Patients are
	// always reached by primary key.
	where = append(where, "p.id = c.patient_id", "(p.org_id = c.org_id) IS TRUE")
	// A usable address, not suppressed.
	addr := "p.email"
	switch af.Channel {
	case rapport.ChannelSMS, rapport.ChannelVoice:
		addr = "p.phone"
	}
	if af.Channel == rapport.ChannelEmail || af.Channel == rapport.ChannelSMS || af.Channel == rapport.ChannelVoice {
		where = append(where, addr+" <> ''")
		if suppressed {
			where = append(where, "NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.org_id = c.org_id AND x.channel = ? AND x.address = "+addr+")")
			q.args = append(q.args, string(af.Channel))
		}
	}
	// A social DM reaches only a patient who wrote first in a linked
	// conversation; the worker checks again at send time.
	if af.Channel == rapport.ChannelSocialDM {
		where = append(where, dmWroteFirst("c.org_id", "c.patient_id"))
		q.args = append(q.args, dmWroteFirstArgs()...)
	}
	// Age bands compare ISO dates as text: born on or before the day
	// MinAge years ago, and after the day MaxAge+1 years ago.
	day := now.UTC()
	if af.MinAge > 0 {
		where = append(where, "p.birth_date <> ''", "p.birth_date <= ?")
		q.args = append(q.args, day.AddDate(-af.MinAge, 0, 0).Format("2006-01-02"))
	}
	if af.MaxAge > 0 {
		where = append(where, "p.birth_date <> ''", "p.birth_date > ?")
		q.args = append(q.args, day.AddDate(-af.MaxAge-1, 0, 0).Format("2006-01-02"))
	}
	if len(af.Languages) > 0 {
		var or []string
		for _, l := range af.Languages {
			l = strings.ToLower(l)
			or = append(or, "p.language = ?", `p.language LIKE ? ESCAPE '\'`)
			q.args = append(q.args, l, likeEscape(l)+"-%")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	// The address and tags are JSON text written by this package
	// (patientJSON), so a pattern on the encoded field is exact and
	// portable.
	if len(af.ZIPPrefixes) > 0 {
		var or []string
		for _, z := range af.ZIPPrefixes {
			or = append(or, `p.address LIKE ? ESCAPE '\'`)
			q.args = append(q.args, `%"postal\_code":"`+likeEscape(z)+"%")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	for _, t := range af.Tags {
		enc, _ := json.Marshal(t)
		where = append(where, `p.tags LIKE ? ESCAPE '\'`)
		q.args = append(q.args, "%"+likeEscape(string(enc))+"%")
	}
	if af.NotContactedDays > 0 {
		where = append(where, "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.org_id = c.org_id AND d.patient_id = c.patient_id AND d.sent_at >= ?)")
		q.args = append(q.args, micros(now.AddDate(0, 0, -af.NotContactedDays)))
	}
	q.where = strings.Join(where, " AND ")
	return q
}

// CountAudience counts the patients af selects, by current segment. It
// returns numbers only, so it is not audited.
func (s *Store) CountAudience(ctx context.Context, actor rapport.Actor, af rapport.AudienceFilter) (rapport.AudienceCount, error) {
	if err := actor.Require(rapport.PermAggregateRead); err != nil {
		return rapport.AudienceCount{}, err
	}
	if err := af.Validate(); err != nil {
		return rapport.AudienceCount{}, err
	}
	suppressed, err := s.anySuppressed(ctx, s.r, actor.OrgID, af.Channel)
	if err != nil {
		return rapport.AudienceCount{}, err
	}
	q := buildAudience(actor.OrgID, af, s.clock(), suppressed)
	query := `SELECT ` + q.seg + `, COUNT(*) FROM ` + q.from + ` WHERE ` + q.where
	group := ""
	if af.ModelID != "" {
		group = ` GROUP BY ` + q.seg
	}
	parts := 1
	if s.d.SplitCounts {
		parts = min(runtime.NumCPU(), len(hexDigits))
	}
	out := rapport.AudienceCount{BySegment: map[string]int{}}
	var mu sync.Mutex
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cond, args := idShare(q.driver, i, parts)
			rows, err := s.r.QueryContext(ctx, s.q(query+cond+group), append(q.args[:len(q.args):len(q.args)], args...)...)
			if err != nil {
				errs[i] = internal("count audience", err)
				return
			}
			defer rows.Close()
			for rows.Next() {
				var seg string
				var n int
				if err := rows.Scan(&seg, &n); err != nil {
					errs[i] = internal("count audience", err)
					return
				}
				mu.Lock()
				out.Total += n
				if af.ModelID != "" {
					out.BySegment[seg] += n
				}
				mu.Unlock()
			}
			if err := rows.Err(); err != nil {
				errs[i] = internal("count audience", err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return rapport.AudienceCount{}, err
	}
	return out, nil
}

const hexDigits = "0123456789abcdef"

// idShare returns the condition selecting share i of n of the patients by
// the 32nd character of the id in column col (the last of the ids newID
// makes, and random), so n statements together count each patient exactly
// once. The shares are ranges of that character, so any id falls in
// exactly one (a shorter id has "" there, in the first share). It is a
// condition on the driving index entry, evaluated before any row probe;
// a fixed position is measurably cheaper in SQLite than length().
func idShare(col string, i, n int) (string, []any) {
	if n <= 1 {
		return "", nil
	}
	last := "substr(" + col + ", 32, 1)"
	var cond string
	var args []any
	if i > 0 {
		cond += " AND " + last + " >= ?"
		args = append(args, hexDigits[i*len(hexDigits)/n:][:1])
	}
	if i < n-1 {
		cond += " AND " + last + " < ?"
		args = append(args, hexDigits[(i+1)*len(hexDigits)/n:][:1])
	}
	return cond, args
}

// anySuppressed reports whether orgID has any suppressed address on
// channel.
func (s *Store) anySuppressed(ctx context.Context, db queryer, orgID string, channel rapport.Channel) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM (SELECT 1 FROM suppressions WHERE org_id = ? AND channel = ? LIMIT 1) t`),
		orgID, string(channel)).Scan(&n)
	if err != nil {
		return false, internal("read suppressions", err)
	}
	return n > 0, nil
}
