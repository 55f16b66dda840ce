package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/fhir"
)

const fhirJSON = "application/fhir+json; fhirVersion=4.0"

func (s *Server) fhirBase(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/") + "/fhir"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhirJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fhirError answers with an OperationOutcome.
func (s *Server) fhirError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(rapport.ErrorCode(err))
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "route", r.Pattern, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rapport"`)
	}
	writeFHIR(w, status, fhir.NewOperationOutcome(err))
}

// actorOrFail returns the request's actor, or answers 401 with an
// OperationOutcome.
func (s *Server) actorOrFail(w http.ResponseWriter, r *http.Request) (rapport.Actor, bool) {
	a, ok := ActorFrom(r.Context())
	if !ok {
		s.fhirError(w, r, rapport.Errorf(rapport.EUNAUTHORIZED, "authentication required"))
	}
	return a, ok
}

// handleFHIRPatientSearch serves GET /fhir/Patient with identifier
// ([system|]value), name (prefix), _count, _offset and _summary=count.
func (s *Server) handleFHIRPatientSearch(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.actorOrFail(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var f rapport.PatientFilter
	for k := range q {
		switch k {
		case "identifier", "name", "_count", "_offset", "_summary", "_format":
		default:
			s.fhirError(w, r, rapport.Errorf(rapport.EINVALID, "unsupported search parameter %q", k))
			return
		}
	}
	if v := q.Get("identifier"); v != "" {
		if sys, val, found := strings.Cut(v, "|"); found {
			f.Identifier = rapport.Identifier{System: sys, Value: val}
		} else {
			f.Identifier = rapport.Identifier{Value: v}
		}
	}
	f.Name = q.Get("name")
	switch q.Get("_summary") {
	case "", "false":
	case "count":
		f.CountOnly = true
	default:
		s.fhirError(w, r, rapport.Errorf(rapport.EINVALID, "unsupported _summary value (want count)"))
		return
	}
	var err error
	if f.Limit, err = intParam(q, "_count", 50, 0, 1000); err != nil {
		s.fhirError(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.CountOnly = true
	}
	if f.Offset, err = intParam(q, "_offset", 0, 0, 1<<30); err != nil {
		s.fhirError(w, r, err)
		return
	}
	patients, total, err := s.cfg.Store.FindPatients(r.Context(), actor, f)
	if err != nil {
		s.fhirError(w, r, err)
		return
	}
	base := s.fhirBase(r)
	var entries []fhir.BundleEntry
	for _, p := range patients {
		e, err := fhir.NewMatchEntry(base, fhir.PatientFromDomain(p))
		if err != nil {
			s.fhirError(w, r, err)
			return
		}
		entries = append(entries, e)
	}
	b := fhir.NewSearchBundle(total, entries...)
	self := base + "/Patient"
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	b.Link = append(b.Link, fhir.BundleLink{Relation: "self", URL: self})
	if !f.CountOnly && f.Offset+len(patients) < total {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("_offset", strconv.Itoa(f.Offset+len(patients)))
		b.Link = append(b.Link, fhir.BundleLink{Relation: "next", URL: base + "/Patient?" + next.Encode()})
	}
	writeFHIR(w, http.StatusOK, b)
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, rapport.Errorf(rapport.EINVALID, "parameter %s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

func (s *Server) handleFHIRPatientRead(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.actorOrFail(w, r)
	if !ok {
		return
	}
	p, err := s.cfg.Store.Patient(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		s.fhirError(w, r, err)
		return
	}
	writeFHIR(w, http.StatusOK, fhir.PatientFromDomain(p))
}

// handleFHIRConsentSearch serves GET /fhir/Consent?patient=[Patient/]id.
func (s *Server) handleFHIRConsentSearch(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.actorOrFail(w, r)
	if !ok {
		return
	}
	ref := r.URL.Query().Get("patient")
	id := strings.TrimPrefix(ref, "Patient/")
	if id == "" {
		s.fhirError(w, r, rapport.Errorf(rapport.EINVALID, "Consent search needs the patient parameter"))
		return
	}
	// Reading the patient first makes a patient of another organisation
	// indistinguishable from a missing one, and audits the access.
	if _, err := s.cfg.Store.Patient(r.Context(), actor, id); err != nil {
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			writeFHIR(w, http.StatusOK, fhir.NewSearchBundle(0))
			return
		}
		s.fhirError(w, r, err)
		return
	}
	hist, err := s.cfg.Store.ConsentHistory(r.Context(), actor, id)
	if err != nil {
		s.fhirError(w, r, err)
		return
	}
	consents := fhir.ConsentsFromDomain(id, hist)
	base := s.fhirBase(r)
	var entries []fhir.BundleEntry
	for i := range consents {
		e, err := fhir.NewMatchEntry(base, &consents[i])
		if err != nil {
			s.fhirError(w, r, err)
			return
		}
		entries = append(entries, e)
	}
	writeFHIR(w, http.StatusOK, fhir.NewSearchBundle(len(entries), entries...))
}

// handleCapabilities serves a minimal CapabilityStatement so that FHIR
// clients can discover what the facade supports.
func (s *Server) handleCapabilities(w http.ResponseWriter, r *http.Request) {
	param := func(name, typ string) map[string]string { return map[string]string{"name": name, "type": typ} }
	writeFHIR(w, http.StatusOK, map[string]any{
		"resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
		"format": []string{"json"}, "date": "2026-11-21",
		"software": map[string]string{"name": "Rapport"},
		"rest": []any{map[string]any{
			"mode":     "server",
			"security": map[string]any{"description": "Bearer API tokens (rapport admin token) or a browser session."},
			"resource": []any{
				map[string]any{"type": "Patient", "interaction": []any{map[string]string{"code": "read"}, map[string]string{"code": "search-type"}},
					"searchParam": []any{param("identifier", "token"), param("name", "string"), param("_count", "number"), param("_summary", "token")}},
				map[string]any{"type": "Consent", "interaction": []any{map[string]string{"code": "search-type"}},
					"searchParam": []any{param("patient", "reference")}},
			},
		}},
	})
}
