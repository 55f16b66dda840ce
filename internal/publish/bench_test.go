package publish_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/publish"
	"github.com/rapport-health/rapport/phi"
)

// nullConn accepts every post at once, so the benchmark measures the
// database side of a publish: claim, and record with the acknowledgement.
type nullConn struct{ rapport.Connector }

func (nullConn) Publish(_ context.Context, p rapport.Post) (rapport.PostRef, error) {
	return rapport.PostRef{NetworkID: p.IdempotencyKey}, nil
}

// BenchmarkPublishJob measures one job's claim, publish (a connector that
// answers at once) and completion on each database.
func BenchmarkPublishJob(b *testing.B) {
	for _, be := range backendsB(b) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			org := &rapport.Organisation{Slug: "general", Name: "General"}
			if err := s.CreateOrg(ctx, org); err != nil {
				b.Fatal(err)
			}
			author := rapport.Actor{OrgID: org.ID, Role: rapport.RoleAgent, UserID: "u1", Name: "a"}
			reviewer := rapport.Actor{OrgID: org.ID, Role: rapport.RoleAdmin, UserID: "u2", Name: "r"}
			for range b.N {
				p := &rapport.ScheduledPost{Text: "Flu shots Saturday", AccountIDs: []string{"x"}}
				if err := s.CreatePost(ctx, author, p); err != nil {
					b.Fatal(err)
				}
				_ = s.SubmitPost(ctx, author, p.ID, 1)
				if err := s.ReviewPost(ctx, reviewer, p.ID, 1, true, ""); err != nil {
					b.Fatal(err)
				}
			}
			pub := publish.NewPublisher(publish.Config{Jobs: s,
				Connectors: func(context.Context, string, string) (rapport.Connector, error) { return nullConn{}, nil }})
			b.ResetTimer()
			for range b.N {
				if did, err := pub.RunOnce(ctx); !did || err != nil {
					b.Fatalf("RunOnce = %v, %v", did, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// BenchmarkCheckText measures the checks before approval: the PHI guard and
// ten phrase rules on a 280-character post.
func BenchmarkCheckText(b *testing.B) {
	g := phi.NewGuard(phi.NewDetector(phi.Config{}), phi.Org{})
	rules := rapport.PhraseRules{Banned: []string{"miracle cure", "guaranteed", "100% safe", "risk free", "best hospital",
		"no side effects", "cure", "instant results", "doctor approved", "free money"}, Required: []string{"#GeneralHealth"}}
	text := strings.Repeat("Flu shots are free this Saturday at the main campus, 9am to 1pm. ", 5)[:280]
	b.ReportAllocs()
	for b.Loop() {
		publish.CheckText(g, nil, rules, text)
	}
}

type benchBackend struct {
	name string
	open func(b *testing.B) storeB
}

func backendsB(b *testing.B) []benchBackend {
	out := []benchBackend{{"sqlite", func(b *testing.B) storeB {
		return sqliteAt(b, filepath.Join(b.TempDir(), "rapport.db"), nil)
	}}}
	if testing.Short() {
		return out
	}
	return append(out, benchBackend{"postgres", func(b *testing.B) storeB { return postgresAt(b) }})
}
