// Package mastodontest is a stand-in Mastodon server for tests, written from
// the published Mastodon API documentation (docs.joinmastodon.org: the
// Account, Status and Notification entities; GET /api/v1/notifications with
// max_id/since_id/min_id/limit/types[]/exclude_types[] and Link pagination;
// POST /api/v1/statuses with the Idempotency-Key header; GET
// /api/v1/accounts/verify_credentials and /api/v1/accounts/:id; GET
// /api/v1/statuses/:id; GET /api/v1/streaming/user as Server-Sent Events;
// the X-RateLimit-Limit/Remaining/Reset headers and 429; bearer tokens and
// the {"error": "..."} body). It is not Mastodon's code and models only
// what Rapport uses: no federation, follows, media, polls, filters or
// grouped notifications; idempotency keys never expire (Mastodon keeps
// them an hour); one rate-limit bucket per token (Mastodon has several).
//
// It keeps everything in memory and is safe for concurrent use.
package mastodontest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-health/rapport/internal/mastodon"
)

// Server is a running stand-in Mastodon instance.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL  string
	srv  *httptest.Server
	host string

	mu            sync.Mutex
	nextID        int64
	accounts      map[string]*mastodon.Account // by id
	tokens        map[string]string            // token -> account id
	statuses      map[string]*mastodon.Status
	notifications map[string][]mastodon.Notification // by account id, ascending id
	idempotency   map[string]string                  // account id + key -> status id
	limit         int
	window        time.Duration
	used          map[string]int // by token, in the current window
	windowStart   time.Time
	force429      int
	requests      []string
	streams       map[string][]chan streamEvent // by account id
	now           func() time.Time
	mention       *regexp.Regexp
}

type streamEvent struct{ name, data string }

// NewServer starts a stand-in server with Mastodon's default rate limit of
// 300 requests per 5 minutes. Close it when done.
func NewServer() *Server {
	s := &Server{
		nextID:        110000000000000000, // snowflake-like ids of Mastodon's length
		accounts:      map[string]*mastodon.Account{},
		tokens:        map[string]string{},
		statuses:      map[string]*mastodon.Status{},
		notifications: map[string][]mastodon.Notification{},
		idempotency:   map[string]string{},
		limit:         300,
		window:        5 * time.Minute,
		used:          map[string]int{},
		streams:       map[string][]chan streamEvent{},
		now:           time.Now,
		mention:       regexp.MustCompile(`(^|[^\w/])@([a-zA-Z0-9_]+)(?:@([a-zA-Z0-9.:\-]+))?`),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.api(s.verifyCredentials))
	mux.HandleFunc("GET /api/v1/accounts/{id}", s.api(s.account))
	mux.HandleFunc("GET /api/v1/notifications", s.api(s.listNotifications))
	mux.HandleFunc("POST /api/v1/statuses", s.api(s.createStatus))
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.api(s.status))
	mux.HandleFunc("GET /api/v1/streaming/user", s.streamUser)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	u, _ := url.Parse(s.URL)
	s.host = u.Host
	s.windowStart = s.now()
	return s
}

// Close shuts the server down, ending open streams.
func (s *Server) Close() {
	s.mu.Lock()
	for _, chans := range s.streams {
		for _, ch := range chans {
			close(ch)
		}
	}
	s.streams = map[string][]chan streamEvent{}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func (s *Server) id() string {
	s.nextID += 1 + s.nextID%7 // gaps, as real snowflakes have
	return strconv.FormatInt(s.nextID, 10)
}

// CreateAccount adds a local account and returns it with an access token.
func (s *Server) CreateAccount(username, displayName string) (mastodon.Account, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &mastodon.Account{
		ID: s.id(), Username: username, Acct: username, DisplayName: displayName,
		URL: s.URL + "/@" + username, CreatedAt: s.now().UTC().Truncate(time.Second),
	}
	s.accounts[a.ID] = a
	token := "token-" + a.ID
	s.tokens[token] = a.ID
	return *a, token
}

// SetFollowers sets an account's follower and following counts.
func (s *Server) SetFollowers(accountID string, followers, following int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[accountID]; a != nil {
		a.FollowersCount, a.FollowingCount = followers, following
	}
}

// SetRateLimit changes the per-token budget and window and starts a new
// window.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.window = limit, window
	s.used = map[string]int{}
	s.windowStart = s.now()
}

// Force429 makes the next n API requests fail with 429 Too Many Requests.
func (s *Server) Force429(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.force429 = n
}

// Requests returns "METHOD /path?query" for every API request received.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// StatusesBy returns the statuses posted by an account, oldest first.
func (s *Server) StatusesBy(accountID string) []mastodon.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mastodon.Status
	for _, st := range s.statuses {
		if st.Account.ID == accountID {
			out = append(out, *st)
		}
	}
	slices.SortFunc(out, func(a, b mastodon.Status) int { return idCompare(a.ID, b.ID) })
	return out
}

func idCompare(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Post publishes a status as the account owning token, exactly as POST
// /api/v1/statuses would: it is how tests make another user mention the
// connected account.
func (s *Server) Post(token, text, visibility, inReplyTo string) (mastodon.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, ok := s.tokens[token]
	if !ok {
		return mastodon.Status{}, fmt.Errorf("mastodontest: unknown token")
	}
	st, code, msg := s.post(acct, text, visibility, inReplyTo, "")
	if code != http.StatusOK {
		return mastodon.Status{}, fmt.Errorf("mastodontest: HTTP %d: %s", code, msg)
	}
	return st, nil
}

// post creates a status; the caller holds s.mu.
func (s *Server) post(accountID, text, visibility, inReplyTo, key string) (mastodon.Status, int, string) {
	if key != "" {
		if id, ok := s.idempotency[accountID+"\x00"+key]; ok {
			return *s.statuses[id], http.StatusOK, ""
		}
	}
	if strings.TrimSpace(text) == "" {
		return mastodon.Status{}, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank"
	}
	if n := len([]rune(text)); n > 500 {
		return mastodon.Status{}, http.StatusUnprocessableEntity, "Validation failed: Text character limit of 500 exceeded"
	}
	switch visibility {
	case "":
		visibility = "public"
	case "public", "unlisted", "private", "direct":
	default:
		return mastodon.Status{}, http.StatusUnprocessableEntity, "Validation failed: Visibility is not included in the list"
	}
	author := s.accounts[accountID]
	st := &mastodon.Status{ID: s.id(), CreatedAt: s.now().UTC().Truncate(time.Millisecond), Account: *author, Visibility: visibility}
	st.URI = s.URL + "/users/" + author.Username + "/statuses/" + st.ID
	st.URL = s.URL + "/@" + author.Username + "/" + st.ID
	if inReplyTo != "" {
		parent, ok := s.statuses[inReplyTo]
		if !ok {
			return mastodon.Status{}, http.StatusNotFound, "Record not found"
		}
		st.InReplyToID, st.InReplyToAccountID = &parent.ID, &parent.Account.ID
	}
	// Content: escaped text with mentions linked, in one paragraph, as
	// Mastodon renders a plain-text toot.
	var mentioned []*mastodon.Account
	var b strings.Builder
	last := 0
	for _, m := range s.mention.FindAllStringSubmatchIndex(text, -1) {
		user := text[m[4]:m[5]]
		domain := ""
		if m[6] >= 0 {
			domain = text[m[6]:m[7]]
		}
		target := s.byUsername(user)
		if target == nil || (domain != "" && domain != s.host) {
			continue
		}
		b.WriteString(strings.ReplaceAll(html.EscapeString(text[last:m[4]-1]), "\n", "<br />"))
		fmt.Fprintf(&b, `<span class="h-card" translate="no"><a href="%s" class="u-url mention">@<span>%s</span></a></span>`, target.URL, target.Username)
		last = m[1]
		if !slices.Contains(mentioned, target) {
			mentioned = append(mentioned, target)
			st.Mentions = append(st.Mentions, mastodon.Mention{ID: target.ID, Username: target.Username, Acct: target.Acct, URL: target.URL})
		}
	}
	b.WriteString(strings.ReplaceAll(html.EscapeString(text[last:]), "\n", "<br />"))
	st.Content = "<p>" + b.String() + "</p>"
	s.statuses[st.ID] = st
	author.StatusesCount++
	if key != "" {
		s.idempotency[accountID+"\x00"+key] = st.ID
	}
	// Mentions notify the mentioned accounts; the author's own home
	// timeline (the user stream) gets an update event.
	for _, target := range mentioned {
		if target.ID == accountID {
			continue
		}
		n := mastodon.Notification{ID: s.id(), Type: "mention", CreatedAt: st.CreatedAt, Account: *author, Status: st}
		s.notifications[target.ID] = append(s.notifications[target.ID], n)
		s.publish(target.ID, "notification", n)
	}
	s.publish(accountID, "update", st)
	return *st, http.StatusOK, ""
}

// AddNotification records a notification of another type (follow,
// favourite…) for an account, to test type filtering.
func (s *Server) AddNotification(accountID, typ, fromAccountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := mastodon.Notification{ID: s.id(), Type: typ, CreatedAt: s.now().UTC(), Account: *s.accounts[fromAccountID]}
	s.notifications[accountID] = append(s.notifications[accountID], n)
	s.publish(accountID, "notification", n)
}

func (s *Server) byUsername(u string) *mastodon.Account {
	for _, a := range s.accounts {
		if strings.EqualFold(a.Username, u) {
			return a
		}
	}
	return nil
}

// publish sends an event to the account's open streams; the caller holds s.mu.
func (s *Server) publish(accountID, name string, v any) {
	data, _ := json.Marshal(v)
	for _, ch := range s.streams[accountID] {
		select {
		case ch <- streamEvent{name, string(data)}:
		default: // a slow test reader loses events, as a slow client would
		}
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// bearer returns the token from the Authorization header or, as Mastodon's
// streaming API also allows, the access_token query parameter.
func bearer(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return r.URL.Query().Get("access_token")
}

type apiHandler func(w http.ResponseWriter, r *http.Request, accountID string)

// api authenticates, applies the rate limit and records the request.
func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
		token := bearer(r)
		accountID, ok := s.tokens[token]
		if !ok {
			s.mu.Unlock()
			writeError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		now := s.now()
		if now.Sub(s.windowStart) >= s.window {
			s.windowStart, s.used = now, map[string]int{}
		}
		reset := s.windowStart.Add(s.window)
		s.used[token]++
		remaining := max(s.limit-s.used[token], 0)
		h429 := s.force429 > 0 || s.used[token] > s.limit
		if s.force429 > 0 {
			s.force429--
			remaining = 0
		}
		s.mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		if h429 {
			writeError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		h(w, r, accountID)
	}
}

func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request, accountID string) {
	s.mu.Lock()
	a := *s.accounts[accountID]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	a, ok := s.accounts[r.PathValue("id")]
	var v mastodon.Account
	if ok {
		v = *a
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	st, ok := s.statuses[r.PathValue("id")]
	var v mastodon.Status
	if ok {
		v = *st
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request, accountID string) {
	var text, visibility, inReplyTo string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Status      string `json:"status"`
			Visibility  string `json:"visibility"`
			InReplyToID string `json:"in_reply_to_id"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: malformed JSON")
			return
		}
		text, visibility, inReplyTo = body.Status, body.Visibility, body.InReplyToID
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: malformed form")
			return
		}
		text, visibility, inReplyTo = r.PostForm.Get("status"), r.PostForm.Get("visibility"), r.PostForm.Get("in_reply_to_id")
	}
	s.mu.Lock()
	st, code, msg := s.post(accountID, text, visibility, inReplyTo, r.Header.Get("Idempotency-Key"))
	s.mu.Unlock()
	if code != http.StatusOK {
		writeError(w, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, accountID string) {
	q := r.URL.Query()
	limit := 40
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, http.StatusUnprocessableEntity, "limit must be a positive integer")
			return
		}
		limit = min(n, 80)
	}
	types, exclude := q["types[]"], q["exclude_types[]"]
	maxID, sinceID, minID := q.Get("max_id"), q.Get("since_id"), q.Get("min_id")

	s.mu.Lock()
	var all []mastodon.Notification
	for _, n := range s.notifications[accountID] {
		if (len(types) > 0 && !slices.Contains(types, n.Type)) || slices.Contains(exclude, n.Type) {
			continue
		}
		if maxID != "" && idCompare(n.ID, maxID) >= 0 {
			continue
		}
		if sinceID != "" && idCompare(n.ID, sinceID) <= 0 {
			continue
		}
		if minID != "" && idCompare(n.ID, minID) <= 0 {
			continue
		}
		all = append(all, n)
	}
	s.mu.Unlock()
	// all is ascending. min_id pages forward from the cursor (the oldest
	// items after it); otherwise the newest items come first.
	var page []mastodon.Notification
	if minID != "" {
		page = all[:min(limit, len(all))]
	} else {
		page = all[max(len(all)-limit, 0):]
	}
	page = slices.Clone(page)
	slices.Reverse(page) // responses are always newest first
	if len(page) > 0 {
		link := func(param, id, rel string) string {
			lq := url.Values{}
			for _, t := range types {
				lq.Add("types[]", t)
			}
			for _, t := range exclude {
				lq.Add("exclude_types[]", t)
			}
			if q.Get("limit") != "" {
				lq.Set("limit", q.Get("limit"))
			}
			lq.Set(param, id)
			return fmt.Sprintf(`<%s/api/v1/notifications?%s>; rel="%s"`, s.URL, lq.Encode(), rel)
		}
		w.Header().Set("Link", link("max_id", page[len(page)-1].ID, "next")+", "+link("min_id", page[0].ID, "prev"))
	}
	if page == nil {
		page = []mastodon.Notification{}
	}
	writeJSON(w, http.StatusOK, page)
}

// streamUser serves GET /api/v1/streaming/user as Server-Sent Events.
func (s *Server) streamUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	accountID, ok := s.tokens[bearer(r)]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Error 401: Missing access token")
		return
	}
	ch := make(chan streamEvent, 64)
	s.streams[accountID] = append(s.streams[accountID], ch)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.streams[accountID] = slices.DeleteFunc(s.streams[accountID], func(c chan streamEvent) bool { return c == ch })
		s.mu.Unlock()
	}()
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ":)\n\n")
	if flusher != nil {
		flusher.Flush()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
}

// Subscribers reports how many streams are open for an account, so tests
// can wait for a client to connect before posting.
func (s *Server) Subscribers(accountID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams[accountID])
}
