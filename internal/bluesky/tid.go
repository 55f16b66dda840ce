package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
)

// tidAlphabet is base32-sortable, the alphabet of AT Protocol TIDs.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidEpoch and tidSpan bound the timestamps of derived TIDs: in the past,
// so they never sort ahead of posts made later, and within about a year.
const (
	tidEpoch = 1672531200_000000 // 2023-01-01T00:00:00Z in Unix microseconds
	tidSpan  = 1 << 45           // microseconds, about 1.1 years
)

// idempotentTID derives a record key from an account and an idempotency
// key: the same inputs always give the same valid TID, so a retried publish
// addresses the same record and cannot create a second post. The cost is
// that such records do not sort by time among the account's records.
func idempotentTID(did, key string) string {
	sum := sha256.Sum256([]byte(did + "\x00" + key))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := uint64(tidEpoch) + (h>>10)%tidSpan
	clock := h & 0x3ff
	return encodeTID(micros<<10 | clock)
}

// encodeTID writes v (top bit clear) as 13 base32-sortable characters.
func encodeTID(v uint64) string {
	v &^= 1 << 63
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// validTID reports whether s has TID syntax.
func validTID(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= '2' && c <= '7' || c >= 'a' && c <= 'z'
		if !ok || i == 0 && c > 'j' {
			return false
		}
	}
	return true
}
