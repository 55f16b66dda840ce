package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/httpapi"
)

//go:embed templates/*.html static/*
var assets embed.FS

// CSP is the Content-Security-Policy of every page: nothing inline, and
// nothing from anywhere but this server.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Store is what the pages read.
type Store interface {
	Conversations(ctx context.Context, actor rapport.Actor, f rapport.ConversationFilter) ([]rapport.Conversation, error)
	Conversation(ctx context.Context, actor rapport.Actor, id string) (*rapport.ConversationDetail, error)
	ScheduledPosts(ctx context.Context, actor rapport.Actor, f rapport.PostFilter) ([]rapport.ScheduledPost, error)
	Campaigns(ctx context.Context, actor rapport.Actor, limit int) ([]rapport.Campaign, error)
	DeliveryCounts(ctx context.Context, actor rapport.Actor, campaignID string) (map[rapport.DeliveryState]int, error)
	EngagementCounts(ctx context.Context, actor rapport.Actor, campaignID string) (map[string]int, error)
}

// Config configures the dashboard.
type Config struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time
}

// Dashboard serves the pages. It implements httpapi.Pages.
type Dashboard struct {
	store  Store
	log    *slog.Logger
	now    func() time.Time
	pages  map[string]*template.Template
	static http.Handler
}

var _ httpapi.Pages = (*Dashboard)(nil)

// New parses the embedded templates and returns the dashboard.
func New(cfg Config) (*Dashboard, error) {
	d := &Dashboard{store: cfg.Store, log: cfg.Logger, now: cfg.Now, pages: map[string]*template.Template{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	for _, name := range []string{"login", "inbox", "conversation", "publish", "calendar", "campaign", "campaigns"} {
		t, err := template.Must(layout.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		d.pages[name] = t
	}
	static, _ := fs.Sub(assets, "static")
	d.static = http.StripPrefix("/static/", http.FileServerFS(static))
	return d, nil
}

// RegisterPages registers the login page and assets as public and the
// rest behind a session.
func (d *Dashboard) RegisterPages(public, private func(pattern string, h http.Handler)) {
	public("GET /static/", secure(d.static))
	public("GET /login", secure(http.HandlerFunc(d.login)))
	public("GET /{$}", http.RedirectHandler("/app/inbox", http.StatusSeeOther))
	private("GET /app/inbox", secure(http.HandlerFunc(d.inbox)))
	private("GET /app/inbox/{id}", secure(http.HandlerFunc(d.conversation)))
	private("GET /app/publish", secure(http.HandlerFunc(d.publishQueue)))
	private("GET /app/publish/calendar", secure(http.HandlerFunc(d.calendar)))
	private("GET /app/campaigns", secure(http.HandlerFunc(d.campaigns)))
	private("GET /app/campaigns/new", secure(http.HandlerFunc(d.newCampaign)))
}

// CampaignRow is one line of the campaigns page.
type CampaignRow struct {
	rapport.Campaign
	Deliveries map[string]int // by state
	Engagement map[string]int // by event type
}

// campaigns lists the organisation's campaigns with their delivery and
// engagement counts (aggregates only: marketers and analysts see it).
func (d *Dashboard) campaigns(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	cs, err := d.store.Campaigns(r.Context(), actor, 100)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	rows := make([]CampaignRow, 0, len(cs))
	for _, c := range cs {
		dc, err := d.store.DeliveryCounts(r.Context(), actor, c.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		ec, err := d.store.EngagementCounts(r.Context(), actor, c.ID)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		byState := map[string]int{}
		for st, n := range dc {
			byState[string(st)] = n
		}
		rows = append(rows, CampaignRow{Campaign: c, Deliveries: byState, Engagement: ec})
	}
	d.render(w, r, "campaigns", page{Title: "Campaigns", Data: map[string]any{"Rows": rows, "CanWrite": actor.Can(rapport.PermCampaignWrite)}})
}

// newCampaign is the campaign editor: the page is a skeleton that
// app.js fills from the API (segments and playbooks, live audience
// counts, preview and checks, launch).
func (d *Dashboard) newCampaign(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	d.render(w, r, "campaign", page{Title: "New campaign", Data: map[string]bool{"CanWrite": actor.Can(rapport.PermCampaignWrite)}})
}

// secure adds the page headers.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", CSP)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title string
	Page  string // the body's data-page, which app.js dispatches on
	CSRF  string
	Actor rapport.Actor
	Data  any
}

func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, name string, p page) {
	if a, ok := httpapi.ActorFrom(r.Context()); ok {
		p.Actor = a
	}
	p.CSRF = httpapi.CSRFFrom(r.Context())
	p.Page = name
	var b strings.Builder
	if err := d.pages[name].ExecuteTemplate(&b, "layout.html", p); err != nil {
		d.log.Error("render page", "page", name, "err", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// fail renders an error page with the error's user-safe message.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpapi.StatusOf(err)
	if status == http.StatusInternalServerError {
		d.log.Error("page", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, rapport.ErrorMessage(err))
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	// Only local paths: the login page must not become an open redirect.
	if u, err := url.Parse(next); err != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || u.Host != "" {
		next = "/app/inbox"
	}
	d.render(w, r, "login", page{Title: "Sign in", Data: map[string]string{"Next": next, "Org": r.URL.Query().Get("org")}})
}

func (d *Dashboard) inbox(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	convs, err := d.store.Conversations(r.Context(), actor, rapport.ConversationFilter{Open: true, Limit: 100})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.render(w, r, "inbox", page{Title: "Inbox", Data: convs})
}

func (d *Dashboard) conversation(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	c, err := d.store.Conversation(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.render(w, r, "conversation", page{Title: "Conversation", Data: c})
}

// queueView is the publishing queue page.
type queueView struct {
	Posts     []rapport.ScheduledPost
	CanReview bool
	CanWrite  bool
}

func (d *Dashboard) publishQueue(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	posts, err := d.store.ScheduledPosts(r.Context(), actor, rapport.PostFilter{Limit: 200})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.render(w, r, "publish", page{Title: "Publishing", Data: queueView{Posts: posts,
		CanReview: actor.Can(rapport.PermPublishReview), CanWrite: actor.Can(rapport.PermPublishWrite)}})
}

// Day is one cell of the calendar.
type Day struct {
	Date  time.Time
	Today bool
	Posts []rapport.ScheduledPost
}

// calendarView is the calendar page: weeks of days from Monday.
type calendarView struct {
	From, To   time.Time
	Prev, Next string
	Weeks      [][]Day
}

// Weeks lays posts out on the days from from to to (whole weeks),
// by their scheduled day in UTC.
func Weeks(from, to, today time.Time, posts []rapport.ScheduledPost) [][]Day {
	var weeks [][]Day
	byDay := map[string][]rapport.ScheduledPost{}
	for _, p := range posts {
		k := p.ScheduledAt.UTC().Format(time.DateOnly)
		byDay[k] = append(byDay[k], p)
	}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		if len(weeks) == 0 || len(weeks[len(weeks)-1]) == 7 {
			weeks = append(weeks, nil)
		}
		k := day.Format(time.DateOnly)
		weeks[len(weeks)-1] = append(weeks[len(weeks)-1], Day{Date: day, Today: k == today.UTC().Format(time.DateOnly), Posts: byDay[k]})
	}
	return weeks
}

func (d *Dashboard) calendar(w http.ResponseWriter, r *http.Request) {
	actor, _ := httpapi.ActorFrom(r.Context())
	now := d.now().UTC()
	from, to, err := httpapi.CalendarRange(r.URL.Query().Get("from"), "", now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	// Whole weeks from a Monday.
	from = from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	to = from.AddDate(0, 0, 35)
	posts, err := d.store.ScheduledPosts(r.Context(), actor, rapport.PostFilter{From: from, To: to, Limit: 1000})
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.render(w, r, "calendar", page{Title: "Calendar", Data: calendarView{From: from, To: to,
		Prev: from.AddDate(0, 0, -35).Format(time.DateOnly), Next: to.Format(time.DateOnly),
		Weeks: Weeks(from, to, now, posts)}})
}
