package bluesky

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// span is a mention or link found in post text, in UTF-8 byte offsets as
// app.bsky.richtext.facet requires: text[start:end] is the "@handle" or the
// URL.
type span struct {
	start, end int
	mention    string // the handle, without "@"
	link       string // the URL
}

// findSpans finds @handle mentions and http(s) links in text. A mention
// starts the text or follows a space or "("; a handle has at least two
// dot-separated labels of letters, digits and hyphens and a final label that
// starts with a letter. A link runs to the next space, less trailing
// punctuation that usually ends a sentence.
func findSpans(text string) []span {
	var out []span
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		atStart := i == 0
		if !atStart {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			atStart = unicode.IsSpace(prev) || prev == '('
		}
		if !atStart {
			i += size
			continue
		}
		if r == '@' {
			end := i + 1
			for end < len(text) && isHandleByte(text[end]) {
				end++
			}
			h := strings.TrimRight(text[i+1:end], ".-")
			if validHandle(h) {
				out = append(out, span{start: i, end: i + 1 + len(h), mention: strings.ToLower(h)})
				i += 1 + len(h)
				continue
			}
		}
		if strings.HasPrefix(text[i:], "https://") || strings.HasPrefix(text[i:], "http://") {
			end := i
			for end < len(text) {
				c, n := utf8.DecodeRuneInString(text[end:])
				if unicode.IsSpace(c) {
					break
				}
				end += n
			}
			u := strings.TrimRight(text[i:end], ".,;:!?)\"'")
			if rest := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"); rest != "" {
				out = append(out, span{start: i, end: i + len(u), link: u})
				i += len(u)
				continue
			}
		}
		i += size
	}
	return out
}

func isHandleByte(b byte) bool {
	return b == '.' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// validHandle checks the AT Protocol handle syntax closely enough to avoid
// resolving words that are not handles.
func validHandle(h string) bool {
	if len(h) < 3 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	last := labels[len(labels)-1]
	c := last[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// facet is app.bsky.richtext.facet as JSON.
type facet struct {
	Index    facetIndex     `json:"index"`
	Features []facetFeature `json:"features"`
}

type facetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type facetFeature struct {
	Type string `json:"$type"`
	DID  string `json:"did,omitempty"`
	URI  string `json:"uri,omitempty"`
}
