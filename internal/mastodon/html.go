package mastodon

import (
	"html"
	"strings"
)

// PlainText converts the sanitised HTML of a status's content to plain text:
// <br> becomes a newline, paragraphs are separated by a blank line, other
// tags are dropped (keeping their text, so the "invisible" spans Mastodon
// wraps around long links still yield the full URL) and entities are
// decoded. Mastodon sanitises remote HTML to a small set of tags, so a
// tokenizer is not needed; malformed input still yields text, never a panic.
func PlainText(content string) string {
	var b strings.Builder
	for i := 0; i < len(content); {
		if content[i] != '<' {
			j := strings.IndexByte(content[i:], '<')
			if j < 0 {
				j = len(content) - i
			}
			b.WriteString(html.UnescapeString(content[i : i+j]))
			i += j
			continue
		}
		end := strings.IndexByte(content[i:], '>')
		if end < 0 {
			// An unterminated tag: keep it as text rather than lose it.
			b.WriteString(html.UnescapeString(content[i:]))
			break
		}
		tag := strings.ToLower(strings.TrimSpace(strings.Trim(content[i+1:i+end], "/ ")))
		if k := strings.IndexAny(tag, " \t\n"); k >= 0 {
			tag = tag[:k]
		}
		switch {
		case tag == "br":
			b.WriteByte('\n')
		case tag == "p" && strings.HasPrefix(content[i:], "</"):
			b.WriteString("\n\n")
		}
		i += end + 1
	}
	return strings.TrimSpace(b.String())
}
