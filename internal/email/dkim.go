package email

import (
	"bytes"
	"crypto"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/rapport-health/rapport"
)

// DKIM signs messages for one domain and selector with relaxed/relaxed
// canonicalisation and SHA-256. An *rsa.PrivateKey gives rsa-sha256 (what
// every receiver verifies; 2048-bit signing costs about a millisecond of
// CPU per message), an ed25519.PrivateKey gives ed25519-sha256 (RFC 8463;
// much faster, not yet verified by every receiver).
type DKIM struct {
	Domain   string
	Selector string
	Key      crypto.Signer
}

// signedHeaders are the fields covered by the signature. RFC 8058 section
// 4 requires List-Unsubscribe and List-Unsubscribe-Post to be covered.
var signedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post"}

// Sign returns raw with a DKIM-Signature header field prepended.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	if d.Domain == "" || d.Selector == "" || d.Key == nil {
		return nil, rapport.Errorf(rapport.EINVALID, "dkim: domain, selector and key are required")
	}
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:                 d.Domain,
		Selector:               d.Selector,
		Signer:                 d.Key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             append([]string(nil), signedHeaders...),
	})
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if _, err := s.Write(raw); err != nil {
		s.Close()
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if err := s.Close(); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	sig := s.Signature()
	out := make([]byte, 0, len(sig)+len(raw))
	out = append(out, sig...)
	return append(out, raw...), nil
}

// Verify checks every DKIM signature of raw against the public keys in
// txt, a map from "selector._domainkey.domain" to its TXT record (tests
// and tools use it instead of DNS). It returns the number of valid
// signatures, or the first failure.
func Verify(raw []byte, txt map[string]string) (int, error) {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if r, ok := txt[domain]; ok {
				return []string{r}, nil
			}
			return nil, fmt.Errorf("no TXT record for %s", domain)
		},
	})
	if err != nil {
		return 0, fmt.Errorf("dkim verify: %w", err)
	}
	for _, v := range vs {
		if v.Err != nil {
			return 0, fmt.Errorf("dkim verify %s: %w", v.Domain, v.Err)
		}
	}
	return len(vs), nil
}
