package bluesky

import "testing"

func TestIdempotentTID(t *testing.T) {
	a := idempotentTID("did:plc:abc", "job-1")
	if !validTID(a) {
		t.Fatalf("idempotentTID = %q, not a valid TID", a)
	}
	if b := idempotentTID("did:plc:abc", "job-1"); b != a {
		t.Errorf("idempotentTID twice = %q then %q, want the same", a, b)
	}
	others := map[string]string{
		"other key":     idempotentTID("did:plc:abc", "job-2"),
		"other account": idempotentTID("did:plc:xyz", "job-1"),
	}
	for name, o := range others {
		if o == a {
			t.Errorf("idempotentTID with %s = %q, the same as the first", name, o)
		}
	}
}

func TestEncodeTID(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "2222222222222"},
		{1, "2222222222223"},
		{1<<63 - 1, "bzzzzzzzzzzzz"}, // 63 bits: the first character holds 3 of them
		{1 << 63, "2222222222222"},   // the top bit is always cleared
	}
	for _, tt := range tests {
		if got := encodeTID(tt.in); got != tt.want || !validTID(got) {
			t.Errorf("encodeTID(%d) = %q (valid %t), want %q", tt.in, got, validTID(got), tt.want)
		}
	}
}

// FuzzIdempotentTID: every derived key is a valid TID whose timestamp is
// in the bounded past range.
func FuzzIdempotentTID(f *testing.F) {
	f.Add("did:plc:abc", "job-1")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, did, key string) {
		s := idempotentTID(did, key)
		if !validTID(s) {
			t.Fatalf("idempotentTID(%q, %q) = %q, not a TID", did, key, s)
		}
		var v uint64
		for i := 0; i < len(s); i++ {
			v = v<<5 | uint64(indexTID(s[i]))
		}
		if micros := v >> 10; micros < tidEpoch || micros >= tidEpoch+tidSpan {
			t.Fatalf("idempotentTID(%q, %q) timestamp %d outside [%d, %d)", did, key, micros, tidEpoch, tidEpoch+tidSpan)
		}
	})
}

func indexTID(c byte) int {
	for i := 0; i < len(tidAlphabet); i++ {
		if tidAlphabet[i] == c {
			return i
		}
	}
	return -1
}
