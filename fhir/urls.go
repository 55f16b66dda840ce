package fhir

// BaseURL prefixes every code system and extension Rapport defines.
const BaseURL = "https://rapport-health.github.io/fhir"

// Rapport-defined FHIR URLs. docs/import.md describes each.
const (
	// ExtTimeZone is a Patient extension whose valueCode is the patient's
	// IANA time zone ("America/Chicago"), used for quiet hours.
	ExtTimeZone = BaseURL + "/StructureDefinition/patient-time-zone"
	// ExtConsentSource is a Consent extension (valueString) carrying
	// rapport.ConsentEvent.Source: how the consent was captured.
	ExtConsentSource = BaseURL + "/StructureDefinition/consent-source"
	// ExtConsentEvidence is a Consent extension (valueString) carrying
	// rapport.ConsentEvent.Evidence: a pointer at the proof.
	ExtConsentEvidence = BaseURL + "/StructureDefinition/consent-evidence"

	// SystemChannel is the code system of contact channels (codes: the
	// rapport.Channel values), used in Consent.provision.code.
	SystemChannel = BaseURL + "/CodeSystem/contact-channel"
	// SystemPurpose is the code system of contact purposes (codes: the
	// rapport.Purpose values), accepted in Consent.provision.purpose
	// beside the v3 ActReason codes.
	SystemPurpose = BaseURL + "/CodeSystem/contact-purpose"
	// SystemConsentCategory holds the Consent.category code
	// "communication", which marks a Consent as being about contacting
	// the patient even when it names no channel.
	SystemConsentCategory = BaseURL + "/CodeSystem/consent-category"
	// SystemTag is the code system of Rapport patient tags in
	// Patient.meta.tag.
	SystemTag = BaseURL + "/CodeSystem/patient-tag"
)

// Standard URLs and code systems Rapport reads or writes.
const (
	// ExtTZCode is the HL7 core extension for a time zone code; Rapport
	// reads it on Patient as an alternative to ExtTimeZone.
	ExtTZCode = "http://hl7.org/fhir/StructureDefinition/tz-code"

	SystemV2IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203"
	SystemActReason        = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	SystemActCode          = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	SystemConsentScope     = "http://terminology.hl7.org/CodeSystem/consentscope"
	SystemLOINC            = "http://loinc.org"
	SystemBCP47            = "urn:ietf:bcp:47"

	// CodeCommunication is the SystemConsentCategory code for consents
	// about contacting the patient.
	CodeCommunication = "communication"
	// TagDeceased is the Rapport tag given to a patient whose FHIR record
	// says deceased, so that no campaign reaches them.
	TagDeceased = "deceased"
)
