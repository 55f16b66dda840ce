// Package httpapi is Rapport's HTTP face: the JSON API, the FHIR R4 facade,
// authentication (API tokens and browser sessions with CSRF protection),
// Prometheus metrics and health checks, on the standard library's ServeMux.
//
// It maps rapport.Error codes to HTTP statuses in one place (writeError)
// and never puts request values, which may be PHI, in logs or metric labels:
// it logs route patterns, not paths or query strings.
package httpapi
