package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rapport-health/rapport"
)

// HashSize is the size of an entry hash.
const HashSize = sha256.Size

// Canonical returns the bytes an entry's hash covers: a fixed-order JSON
// encoding of every field but the hashes, with the time in UTC at
// microsecond precision (what both databases keep).
func Canonical(e rapport.AuditEntry) []byte {
	c := canonicalEntry{
		V: 1, OrgID: e.OrgID, Seq: e.Seq, At: e.At.UTC().UnixMicro(),
		ActorName: e.ActorName, ActorRole: e.ActorRole, UserID: e.UserID, TokenID: e.TokenID,
		Addr: e.Addr, Action: e.Action, Entity: e.Entity, EntityIDs: e.EntityIDs,
		Outcome: e.Outcome, Detail: e.Detail,
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Marshalling strings, ints and string slices cannot fail.
		panic(fmt.Sprintf("audit: canonical encoding: %v", err))
	}
	return b
}

type canonicalEntry struct {
	V         int      `json:"v"`
	OrgID     string   `json:"org"`
	Seq       int64    `json:"seq"`
	At        int64    `json:"at"`
	ActorName string   `json:"actor"`
	ActorRole string   `json:"role"`
	UserID    string   `json:"user"`
	TokenID   string   `json:"token"`
	Addr      string   `json:"addr"`
	Action    string   `json:"action"`
	Entity    string   `json:"entity"`
	EntityIDs []string `json:"ids"`
	Outcome   string   `json:"outcome"`
	Detail    string   `json:"detail"`
}

// Hash returns the chain hash of e given the previous entry's hash (nil for
// the first entry of an organisation).
func Hash(prev []byte, e rapport.AuditEntry) []byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(prev)))
	h.Write(n[:])
	h.Write(prev)
	h.Write(Canonical(e))
	return h.Sum(nil)
}

// Seal sets e.PrevHash and e.Hash for appending e after prev.
func Seal(prev []byte, e *rapport.AuditEntry) {
	e.PrevHash = append([]byte(nil), prev...)
	e.Hash = Hash(prev, *e)
}

// Checkpoint is a signed statement that an organisation's chain had Size
// entries ending in Head at a time.
type Checkpoint struct {
	OrgID     string
	Size      int64
	Head      []byte
	At        time.Time
	KeyID     string
	Signature []byte
}

// message is what a checkpoint signature covers.
func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "rapport-audit-checkpoint v1\n%s\n%d\n%x\n%d\n", c.OrgID, c.Size, c.Head, c.At.UTC().UnixMicro())
}

// Signer signs checkpoints with an Ed25519 key.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
}

// NewSigner returns a signer for key. The key id is derived from the public
// key so that a verifier can tell which key signed.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, keyID: KeyID(key.Public().(ed25519.PublicKey))}
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return fmt.Sprintf("%x", s[:8])
}

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign fills c.KeyID and c.Signature.
func (s *Signer) Sign(c *Checkpoint) {
	c.KeyID = s.keyID
	c.Signature = ed25519.Sign(s.key, c.message())
}

// VerifyCheckpoint checks c's signature with pub.
func VerifyCheckpoint(pub ed25519.PublicKey, c Checkpoint) error {
	if c.KeyID != KeyID(pub) {
		return fmt.Errorf("checkpoint %s/%d: signed by unknown key %s", c.OrgID, c.Size, c.KeyID)
	}
	if !ed25519.Verify(pub, c.message(), c.Signature) {
		return fmt.Errorf("checkpoint %s/%d: bad signature", c.OrgID, c.Size)
	}
	return nil
}

// Verifier walks one organisation's chain in sequence order and reports
// every break: a sequence gap (a deleted entry), a stored hash that does not
// match the recomputed one (an edited entry), a previous-hash link that does
// not match, and checkpoints that disagree with the chain.
type Verifier struct {
	orgID    string
	prev     []byte
	next     int64
	heads    map[int64][]byte // size -> head hash, kept only for checkpointed sizes
	wanted   map[int64]bool
	Problems []string
}

// NewVerifier starts verifying orgID's chain. checkpointSizes are the chain
// sizes the verifier must remember heads for.
func NewVerifier(orgID string, checkpointSizes []int64) *Verifier {
	v := &Verifier{orgID: orgID, next: 1, heads: map[int64][]byte{}, wanted: map[int64]bool{}}
	for _, s := range checkpointSizes {
		v.wanted[s] = true
	}
	return v
}

// Add checks the next entry.
func (v *Verifier) Add(e rapport.AuditEntry) {
	if e.Seq != v.next {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: entry %d missing (found %d): entries deleted or reordered", v.orgID, v.next, e.Seq))
	}
	if string(e.PrevHash) != string(v.prev) {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: entry %d: previous-hash link broken", v.orgID, e.Seq))
	}
	// Recompute from the stored link so that one bad entry is reported once
	// rather than cascading through the rest of the chain.
	if got := Hash(e.PrevHash, e); string(got) != string(e.Hash) {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: entry %d: content does not match its hash (edited)", v.orgID, e.Seq))
	}
	v.prev = e.Hash
	v.next = e.Seq + 1
	if v.wanted[e.Seq] {
		v.heads[e.Seq] = e.Hash
	}
}

// Size is the number of entries seen so far.
func (v *Verifier) Size() int64 { return v.next - 1 }

// Check verifies a checkpoint against the chain seen so far. Call it after
// every entry has been added.
func (v *Verifier) Check(pub ed25519.PublicKey, c Checkpoint) {
	if err := VerifyCheckpoint(pub, c); err != nil {
		v.Problems = append(v.Problems, err.Error())
		return
	}
	if c.Size > v.Size() {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: checkpoint at %d but the chain has only %d entries: entries deleted", v.orgID, c.Size, v.Size()))
		return
	}
	if c.Size == 0 {
		return
	}
	head, ok := v.heads[c.Size]
	if !ok {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: checkpoint at %d not registered with the verifier", v.orgID, c.Size))
		return
	}
	if string(head) != string(c.Head) {
		v.Problems = append(v.Problems, fmt.Sprintf("org %s: checkpoint at %d does not match the chain: history rewritten", v.orgID, c.Size))
	}
}

// ErrNoKey is returned when no checkpoint key is configured.
var ErrNoKey = errors.New("audit: no checkpoint signing key")
