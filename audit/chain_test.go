package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/rapport-health/rapport"
)

func chain(n int) []rapport.AuditEntry {
	var prev []byte
	var out []rapport.AuditEntry
	for i := 1; i <= n; i++ {
		e := rapport.AuditEntry{OrgID: "o", Seq: int64(i), At: time.Unix(int64(i), 0), ActorName: "a", Action: "read",
			Entity: "Patient", EntityIDs: []string{"p"}, Outcome: "success"}
		Seal(prev, &e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifier(t *testing.T) {
	seed := sha256.Sum256([]byte("k"))
	signer := NewSigner(ed25519.NewKeyFromSeed(seed[:]))
	good := chain(5)
	cp := Checkpoint{OrgID: "o", Size: 5, Head: good[4].Hash, At: time.Unix(10, 0)}
	signer.Sign(&cp)

	cases := []struct {
		name    string
		mutate  func([]rapport.AuditEntry) []rapport.AuditEntry
		cp      func(Checkpoint) Checkpoint
		problem string // "" means the chain verifies
	}{
		{"intact", nil, nil, ""},
		{"edited detail", func(es []rapport.AuditEntry) []rapport.AuditEntry { es[1].Detail = "x"; return es }, nil, "entry 2: content"},
		{"deleted middle", func(es []rapport.AuditEntry) []rapport.AuditEntry { return append(es[:2:2], es[3:]...) }, nil, "entry 3 missing"},
		{"deleted tail", func(es []rapport.AuditEntry) []rapport.AuditEntry { return es[:4] }, nil, "only 4 entries"},
		{"forged signature", nil, func(c Checkpoint) Checkpoint {
			c.Signature = append([]byte{}, c.Signature...)
			c.Signature[0] ^= 1
			return c
		}, "bad signature"},
		{"checkpoint of another history", nil, func(c Checkpoint) Checkpoint {
			c.Head = make([]byte, HashSize)
			signer.Sign(&c)
			return c
		}, "history rewritten"},
	}
	for _, c := range cases {
		es := chain(5)
		if c.mutate != nil {
			es = c.mutate(es)
		}
		v := NewVerifier("o", []int64{5})
		for _, e := range es {
			v.Add(e)
		}
		k := cp
		if c.cp != nil {
			k = c.cp(cp)
		}
		v.Check(signer.Public(), k)
		got := strings.Join(v.Problems, "; ")
		if c.problem == "" && got != "" || c.problem != "" && !strings.Contains(got, c.problem) {
			t.Errorf("%s: problems %q, want %q", c.name, got, c.problem)
		}
	}
}

func TestCanonicalCoversEveryField(t *testing.T) {
	base := chain(1)[0]
	edits := map[string]func(*rapport.AuditEntry){
		"org": func(e *rapport.AuditEntry) { e.OrgID = "x" }, "seq": func(e *rapport.AuditEntry) { e.Seq = 9 },
		"at":    func(e *rapport.AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor": func(e *rapport.AuditEntry) { e.ActorName = "x" }, "role": func(e *rapport.AuditEntry) { e.ActorRole = "x" },
		"user": func(e *rapport.AuditEntry) { e.UserID = "x" }, "token": func(e *rapport.AuditEntry) { e.TokenID = "x" },
		"addr": func(e *rapport.AuditEntry) { e.Addr = "x" }, "action": func(e *rapport.AuditEntry) { e.Action = "x" },
		"entity": func(e *rapport.AuditEntry) { e.Entity = "x" }, "ids": func(e *rapport.AuditEntry) { e.EntityIDs = nil },
		"outcome": func(e *rapport.AuditEntry) { e.Outcome = "x" }, "detail": func(e *rapport.AuditEntry) { e.Detail = "x" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if string(Hash(nil, e)) == string(base.Hash) {
			t.Errorf("editing %s leaves the hash unchanged", name)
		}
	}
}
