package bluesky_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/bluesky"
	"github.com/rapport-health/rapport/internal/bluesky/pdstest"
)

// BenchmarkLocalPDS measures the connector's round trips against the real
// local PDS and AppView: an empty Fetch (the steady-state poll), a Fetch of
// one new mention, and a Publish. It logs the network's startup time.
//
//	go test -run XXX -bench LocalPDS -benchtime 200x ./internal/bluesky/
func BenchmarkLocalPDS(b *testing.B) {
	n := pdstest.Start(b)
	ctx := context.Background()
	hospital, err := n.CreateAccount(ctx, "hospital")
	if err != nil {
		b.Fatal(err)
	}
	patient, err := n.CreateAccount(ctx, "patient")
	if err != nil {
		b.Fatal(err)
	}
	connect := func(a pdstest.Account) *bluesky.Connector {
		pw, err := n.AppPassword(ctx, a, "bench")
		if err != nil {
			b.Fatal(err)
		}
		c, err := bluesky.New(bluesky.Config{Service: n.PDSURL, Identifier: a.Handle, AppPassword: pw, AccountID: a.Handle})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	hosp, pat := connect(hospital), connect(patient)
	if _, err := pat.Publish(ctx, rapport.Post{Text: "@hospital.test first"}); err != nil {
		b.Fatal(err)
	}
	if err := n.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	_, cur, err := hosp.Fetch(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("network startup %v", n.Startup)

	b.Run("FetchEmpty", func(b *testing.B) {
		for b.Loop() {
			items, _, err := hosp.Fetch(ctx, cur)
			if err != nil || len(items) != 0 {
				b.Fatalf("Fetch = %d items, %v", len(items), err)
			}
		}
	})
	b.Run("Publish", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := hosp.Publish(ctx, rapport.Post{Text: fmt.Sprintf("update %d", i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FetchOneNew", func(b *testing.B) {
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			if _, err := pat.Publish(ctx, rapport.Post{Text: fmt.Sprintf("@hospital.test q %d", i)}); err != nil {
				b.Fatal(err)
			}
			if err := n.Sync(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			items, next, err := hosp.Fetch(ctx, cur)
			if err != nil || len(items) != 1 {
				b.Fatalf("Fetch = %d items, %v; want 1", len(items), err)
			}
			cur = next
		}
	})
}
