package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/segment"
)

// Stores is what the API needs of storage.
type Stores interface {
	rapport.OrgStore
	rapport.PatientStore
	rapport.AuditStore
	rapport.SegmentStore
	rapport.InboxStore
	rapport.PublishStore
	Ping(ctx context.Context) error
}

// Config configures a Server.
type Config struct {
	Store  Stores
	Logger *slog.Logger
	// Importer runs an import for the API; see Server.handleImport.
	Importer Importer
	// SecureCookies marks session cookies Secure. On by default in serve;
	// tests over plain HTTP turn it off.
	SecureCookies bool
	// SessionTTL is how long a browser session lasts.
	SessionTTL time.Duration
	// BaseURL is the public URL of the server, for FHIR fullUrls; empty
	// means derive it from the request.
	BaseURL string
	Now     func() time.Time
	// Model is the segmentation model answers are classified with.
	Model *segment.Model
	// Inbox is the inbox service; Hooks its webhook receivers, served
	// unauthenticated under /hooks/ (each delivery is signed). See inbox.go.
	Inbox Inbox
	Hooks http.Handler
	// InboxHeartbeat is how often an idle event stream sends a comment and
	// rechecks its credentials; zero means SSEHeartbeat.
	InboxHeartbeat time.Duration
	// Publish is the publishing workflow and Pages the dashboard; see
	// publish.go.
	Publish Publisher
	Pages   Pages
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	mux     *http.ServeMux
	now     func() time.Time
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: NewMetrics(), mux: http.NewServeMux(), now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.SessionTTL == 0 {
		s.cfg.SessionTTL = 12 * time.Hour
	}
	s.routes()
	return s
}

// Handle registers an extra route, authenticated like every API route.
// Later capabilities (inbox, campaigns) add theirs through it.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, s.authn(h)) }

// Metrics returns the server's metrics registry.
func (s *Server) Metrics() *Metrics { return s.metrics }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.Handle("GET /metrics", s.metrics)
	s.mux.HandleFunc("POST /api/v1/login", s.handleLogin)
	s.Handle("POST /api/v1/logout", http.HandlerFunc(s.handleLogout))
	s.Handle("GET /api/v1/me", http.HandlerFunc(s.handleMe))
	s.Handle("POST /api/v1/import", http.HandlerFunc(s.handleImport))
	s.Handle("POST /api/v1/patients/{id}/consents", http.HandlerFunc(s.handleRecordConsent))
	s.Handle("POST /api/v1/patients/{id}/assessments", http.HandlerFunc(s.handleAssess))
	s.Handle("GET /api/v1/patients/{id}/segment", http.HandlerFunc(s.handlePatientSegment))
	s.Handle("GET /api/v1/segments", http.HandlerFunc(s.handleSegments))
	s.Handle("GET /api/v1/audit", http.HandlerFunc(s.handleAudit))
	s.Handle("GET /api/v1/audit/verify", http.HandlerFunc(s.handleAuditVerify))
	s.mux.HandleFunc("GET /fhir/metadata", s.handleCapabilities)
	s.Handle("GET /fhir/Patient", http.HandlerFunc(s.handleFHIRPatientSearch))
	s.Handle("GET /fhir/Patient/{id}", http.HandlerFunc(s.handleFHIRPatientRead))
	s.Handle("GET /fhir/Consent", http.HandlerFunc(s.handleFHIRConsentSearch))
	s.inboxRoutes()
	s.publishRoutes()
}

// ServeHTTP serves a request through the metrics and logging middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	sw.Header().Set("X-Content-Type-Options", "nosniff")
	sw.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(sw, r)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	elapsed := s.now().Sub(start)
	s.metrics.observe(r.Method, route, sw.status, elapsed)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", sw.status), slog.Duration("duration", elapsed))
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush lets server-sent events through the middleware.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// statusOf maps an error code to an HTTP status. It is the only place that
// does.
func statusOf(code string) int {
	switch code {
	case rapport.EINVALID:
		return http.StatusBadRequest
	case rapport.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case rapport.EFORBIDDEN:
		return http.StatusForbidden
	case rapport.ENOTFOUND:
		return http.StatusNotFound
	case rapport.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// writeError answers with err's user-safe message and logs internal errors
// once. The log line carries the cause, which never holds PHI (see
// rapport.Error).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := rapport.ErrorCode(err)
	status := statusOf(code)
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "route", r.Pattern, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": rapport.ErrorMessage(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return rapport.Errorf(rapport.EINVALID, "request body is not valid JSON for this endpoint")
	}
	return nil
}
