package httpapi

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-health/rapport"
)

// Importer imports one uploaded file for actor. name is the file name the
// client gave (it decides the format, as on the command line); with
// skipInvalid the valid records land and the rest are reported, else any bad
// record aborts the whole import. The report is returned as JSON.
type Importer func(ctx context.Context, actor rapport.Actor, name string, body io.Reader, skipInvalid bool) (report any, err error)

// MaxImportBytes bounds one uploaded import file.
const MaxImportBytes = 512 << 20

// handleImport serves POST /api/v1/import?name=patients.csv[&skip_invalid=true]
// with the file as the request body.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if err := actor.Require(rapport.PermPatientWrite); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.Importer == nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINTERNAL, "import is not configured"))
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "import needs a name parameter naming the file (its extension sets the format)"))
		return
	}
	skip, _ := strconv.ParseBool(r.URL.Query().Get("skip_invalid"))
	rep, err := s.cfg.Importer(r.Context(), actor, name, http.MaxBytesReader(w, r.Body, MaxImportBytes), skip)
	if err != nil {
		if rep != nil {
			writeJSON(w, statusOf(rapport.ErrorCode(err)), map[string]any{
				"error":  map[string]string{"code": rapport.ErrorCode(err), "message": rapport.ErrorMessage(err)},
				"report": rep})
			return
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

type consentRequest struct {
	Channel  string    `json:"channel"`
	Purpose  string    `json:"purpose"`
	Status   string    `json:"status"`
	At       time.Time `json:"at"`
	Source   string    `json:"source"`
	Evidence string    `json:"evidence"`
}

// handleRecordConsent appends a consent event (an opt-in or opt-out
// captured by staff or another system).
func (s *Server) handleRecordConsent(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	var req consentRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.At.IsZero() {
		req.At = s.now()
	}
	if req.Source == "" {
		req.Source = "staff"
	}
	e := &rapport.ConsentEvent{PatientID: r.PathValue("id"), Channel: rapport.Channel(req.Channel), Purpose: rapport.Purpose(req.Purpose),
		Status: rapport.ConsentStatus(req.Status), At: req.At, Source: req.Source, Evidence: req.Evidence}
	if err := s.cfg.Store.RecordConsent(r.Context(), actor, e); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": e.ID, "recorded_at": e.RecordedAt})
}

// handleAudit serves GET /api/v1/audit?after=SEQ&limit=N to auditors.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if r.URL.Query().Get("after") == "" {
		after, err = 0, nil
	}
	if err != nil || after < 0 {
		s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "after must be a sequence number"))
		return
	}
	limit, err := intParam(r.URL.Query(), "limit", 100, 1, 10000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	entries, err := s.cfg.Store.AuditEntries(r.Context(), actor, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if entries == nil {
		entries = []rapport.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

// handleAuditVerify lets an auditor check the whole log's integrity.
func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if err := actor.Require(rapport.PermAuditRead); err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.cfg.Store.VerifyAudit(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// An auditor learns about their own organisation's chain only.
	problems := []string{}
	for _, p := range rep.Problems {
		if strings.Contains(p, actor.OrgID) {
			problems = append(problems, p)
		}
	}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusConflict
	}
	writeJSON(w, status, map[string]any{"ok": len(problems) == 0, "problems": problems})
}
