package instrument

import _ "embed"

//go:embed questionnaire.json
var questionnaire []byte

// Questionnaire returns the FHIR R4 Questionnaire resource as JSON. The
// caller owns the returned slice.
func Questionnaire() []byte {
	return append([]byte(nil), questionnaire...)
}
