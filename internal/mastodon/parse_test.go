package mastodon

import (
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<p>Hello <span class="h-card"><a href="https://x/@clinic" class="u-url mention">@<span>clinic</span></a></span> &amp; thanks</p>`, "Hello @clinic & thanks"},
		{`<p>one<br />two</p><p>three</p>`, "one\ntwo\n\nthree"},
		{`<p><a href="https://example.com/very/long"><span class="invisible">https://</span><span class="ellipsis">example.com/ve</span><span class="invisible">ry/long</span></a></p>`, "https://example.com/very/long"},
		{`a < b and <unclosed`, "a < b and <unclosed"},
		{`&lt;script&gt;`, "<script>"},
		{``, ``},
	} {
		if got := PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLinkParams(t *testing.T) {
	h := `<https://m.example/api/v1/notifications?max_id=7&types%5B%5D=mention>; rel="next", <https://m.example/api/v1/notifications?min_id=9>; rel="prev"`
	if got := linkParams(h, "next").Get("max_id"); got != "7" {
		t.Errorf("next max_id = %q, want 7", got)
	}
	if got := linkParams(h, "prev").Get("min_id"); got != "9" {
		t.Errorf("prev min_id = %q, want 9", got)
	}
	if got := linkParams("garbage", "prev"); got != nil {
		t.Errorf("linkParams(garbage) = %v, want nil", got)
	}
}

func TestReadEvents(t *testing.T) {
	in := ":)\n\nevent: notification\ndata: {\"a\":\ndata: 1}\n\n:thump\nevent: delete\ndata: 42\n\nevent: update\n\n"
	var got []Event
	err := readEvents(strings.NewReader(in), func(e Event) error { got = append(got, e); return nil })
	if !errors.Is(err, io.EOF) {
		t.Errorf("readEvents error = %v, want io.EOF", err)
	}
	want := []Event{{"notification", "{\"a\":\n1}"}, {"delete", "42"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<p>a<br>b</p>", "<", "&amp;&#x1F600;", "<a href='x'>y</a>", "</p></p>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainText(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("PlainText(%q) = %q, invalid UTF-8 from valid input", s, got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("PlainText(%q) = %q, not trimmed", s, got)
		}
	})
}

func FuzzStreamEvents(f *testing.F) {
	f.Add("event: notification\ndata: {\"type\":\"mention\",\"status\":{\"id\":\"1\",\"mentions\":[{\"id\":\"9\"}]}}\n\n")
	f.Add("event: update\ndata: {\"id\":\"2\",\"account\":{\"id\":\"3\"},\"mentions\":[{\"id\":\"9\"}]}\n\n")
	f.Add("data: x\n\n:\n\nevent:\n")
	self := Account{ID: "9"}
	f.Fuzz(func(t *testing.T, s string) {
		_ = readEvents(strings.NewReader(s), func(e Event) error {
			it, ok, err := itemFromEvent(self, e)
			if ok && (err != nil || it.AccountID != "9") {
				t.Fatalf("itemFromEvent(%+v) = %+v, %v, %v", e, it, ok, err)
			}
			return nil
		})
	})
}
