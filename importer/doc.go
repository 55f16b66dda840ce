// Package importer turns patient files into rapport.ImportRecords: CSV in
// Rapport's documented columns, FHIR R4 Bundle (or single-resource) JSON,
// and FHIR NDJSON bulk exports. It reads the formats and validates fields;
// it does not store anything, and it never puts a field's value in an
// error message (values are PHI). docs/import.md describes the formats.
//
// CSV and NDJSON are streamed record by record; a Bundle JSON document is
// read whole (up to Options.MaxBundleBytes), because its Consent entries
// may refer to Patient entries by full URL in any order.
package importer
