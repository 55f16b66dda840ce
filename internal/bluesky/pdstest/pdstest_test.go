package pdstest

import (
	"context"
	"strings"
	"testing"
)

// TestNetwork starts the real network and checks what a test relies on: an
// account can be created, it gets an app password, and Sync returns.
func TestNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local PDS")
	}
	n := Start(t)
	ctx := context.Background()
	a, err := n.CreateAccount(ctx, "harness")
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if !strings.HasPrefix(a.DID, "did:plc:") || a.Handle != "harness.test" {
		t.Errorf("CreateAccount = DID %q handle %q, want a did:plc and harness.test", a.DID, a.Handle)
	}
	pw, err := n.AppPassword(ctx, a, "rapport")
	if err != nil || pw == "" {
		t.Fatalf("AppPassword = %q, %v; want a password", pw, err)
	}
	if err := n.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	recs, err := n.ListRecords(ctx, a.DID, "app.bsky.feed.post")
	if err != nil || len(recs) != 0 {
		t.Errorf("ListRecords(new account) = %d records, %v; want 0, nil", len(recs), err)
	}
	t.Logf("startup %v (node %v)", n.Startup, n.NodeStartup)
}
