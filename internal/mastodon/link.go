package mastodon

import (
	"net/url"
	"strings"
)

// linkParams parses an RFC 8288 Link header as Mastodon sends it for
// pagination and returns the query parameters of the link with the given
// rel ("next" for older items, "prev" for newer ones), or nil.
func linkParams(header, rel string) url.Values {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		start, end := strings.IndexByte(part, '<'), strings.IndexByte(part, '>')
		if start != 0 || end < 0 {
			continue
		}
		target := part[1:end]
		for attr := range strings.SplitSeq(part[end+1:], ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(attr), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
				if r == rel {
					u, err := url.Parse(target)
					if err != nil {
						return nil
					}
					return u.Query()
				}
			}
		}
	}
	return nil
}
