// Package fhir holds hand-written HL7 FHIR R4 (4.0.1) structures for the
// resources Rapport reads and serves — Patient, Consent, Bundle and
// OperationOutcome — and the mapping between them and Rapport's domain
// (rapport.Patient, rapport.ConsentEvent).
//
// It is a pure translation layer: it does no I/O, knows nothing of storage
// or HTTP, and keeps only the elements Rapport uses (unknown elements are
// dropped when decoding). Questionnaire belongs to package segment.
//
// Rapport-defined URLs (code systems and extensions) are listed in
// docs/import.md; they start with BaseURL.
package fhir
