package campaign

import (
	"testing"

	"github.com/rapport-health/rapport"
)

// FuzzVerifyToken: a token verifies only if it is exactly the token the
// key makes for the id it names, and no input panics.
func FuzzVerifyToken(f *testing.F) {
	id := Identity{Secret: []byte("fuzz-key")}
	f.Add(id.UnsubscribeToken("01a2"))
	f.Add("")
	f.Add(".")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		did, err := id.VerifyToken(tok)
		if err != nil {
			if rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("VerifyToken(%q) error code %q, want not_found", tok, rapport.ErrorCode(err))
			}
			return
		}
		if id.UnsubscribeToken(did) != tok {
			t.Errorf("VerifyToken(%q) accepted a token the key did not make", tok)
		}
	})
}

// FuzzAssigner: assignment never panics, is deterministic, and a held-out
// recipient has no arm.
func FuzzAssigner(f *testing.F) {
	f.Add("c1", "p1", "planner", 10.0)
	f.Add("", "", "", 50.0)
	f.Fuzz(func(t *testing.T, cid, pid, seg string, pct float64) {
		if pct < 0 || pct > 50 || pct != pct {
			return
		}
		a := Assigner(&rapport.Campaign{HoldoutPercent: pct, Variants: []rapport.Variant{{Segment: "planner", Arm: "A"},
			{Segment: "planner", Arm: "B", Weight: 2}, {Segment: ""}}})
		arm, held, ok := a(cid, pid, seg)
		arm2, held2, ok2 := a(cid, pid, seg)
		if arm != arm2 || held != held2 || ok != ok2 {
			t.Fatalf("assignment of (%q, %q, %q) is not deterministic", cid, pid, seg)
		}
		if !ok || (held && arm != "") || (!held && arm == "") {
			t.Errorf("assign(%q, %q, %q) = %q, %v, %v", cid, pid, seg, arm, held, ok)
		}
	})
}
