package auth

import (
	"strings"
	"testing"
)

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Errorf("HashPassword = %q, want a PHC argon2id string", h)
	}
	if !CheckPassword(h, "correct horse battery") {
		t.Error("CheckPassword(right) = false")
	}
	for _, wrong := range []string{"correct horse batterx", "", "correct horse battery "} {
		if CheckPassword(h, wrong) {
			t.Errorf("CheckPassword(%q) = true", wrong)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("CheckPassword(%q) = true", bad)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("HashPassword(short) succeeded")
	}
}

func TestSecret(t *testing.T) {
	a, b := NewSecret(TokenPrefix), NewSecret(TokenPrefix)
	if a == b || !strings.HasPrefix(a, TokenPrefix) || len(a) != len(TokenPrefix)+43 {
		t.Errorf("NewSecret = %q, %q", a, b)
	}
	if string(HashSecret(a)) == string(HashSecret(b)) || len(HashSecret(a)) != 32 {
		t.Error("HashSecret collides or has the wrong size")
	}
	if !Equal(a, a) || Equal(a, b) {
		t.Error("Equal is wrong")
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=16,t=1,p=1$c2FsdA$aGFzaA", "pw")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if CheckPassword(hash, pw) && !strings.HasPrefix(hash, "$argon2id$") {
			t.Errorf("CheckPassword accepted a non-argon2id hash %q", hash)
		}
	})
}
