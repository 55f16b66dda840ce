package fhir

import (
	"slices"
	"strings"

	"github.com/rapport-health/rapport"
)

// PatientToDomain maps a FHIR Patient to a Rapport patient. The result has
// no ID, OrgID or timestamps: the store assigns them.
//
//   - identifier: every identifier with a value (system, value, v2-0203
//     type code), repeats dropped, plus {rapport.SystemFHIRID, id} when the resource has an
//     id and no rapport.SystemFHIRID identifier already;
//   - name: the official name, else usual, else the first that is not old
//     or maiden; given names joined with a space;
//   - birthDate, gender (checked against FHIR's value sets);
//   - telecom: the first usable e-mail, and the first phone that
//     normalises to E.164, mobile (or system sms) preferred, then by rank;
//     contact points with use "old" are skipped. Phones are read with the
//     address country's numbering plan (US when none). Telecom values that
//     do not normalise are skipped, not errors: FHIR telecom is free text,
//     and a patient without a usable phone is still a patient;
//   - communication.language (the preferred one, else the first) →
//     Language; ExtTimeZone (or the HL7 tz-code extension) → TimeZone;
//   - address: home, else the first current one;
//   - meta.tag in SystemTag → Tags; deceasedBoolean true or a
//     deceasedDateTime adds the tag TagDeceased.
//
// Errors are *rapport.RecordError with Where "Patient" and the FHIR field
// name; callers replace Where with the record's position.
func PatientToDomain(p *Patient) (*rapport.Patient, error) {
	if p == nil {
		return nil, patientErr("", "no Patient resource")
	}
	if p.ResourceType != "" && p.ResourceType != "Patient" {
		return nil, patientErr("resourceType", "not Patient")
	}
	out := &rapport.Patient{}
	hasFHIRID := false
	for _, id := range p.Identifier {
		if strings.TrimSpace(id.Value) == "" || hasIdentifier(out.Identifiers, id.System, id.Value) {
			// (system, value) is unique per organisation: a repeated
			// identifier (Patient-f201 has one) is kept once.
			continue
		}
		out.Identifiers = append(out.Identifiers, rapport.Identifier{
			System: id.System,
			Value:  id.Value,
			Type:   id.Type.Code(SystemV2IdentifierType),
		})
		hasFHIRID = hasFHIRID || id.System == rapport.SystemFHIRID
	}
	if p.ID != "" && !hasFHIRID {
		out.Identifiers = append(out.Identifiers, rapport.Identifier{System: rapport.SystemFHIRID, Value: p.ID})
	}
	if len(out.Identifiers) == 0 {
		return nil, patientErr("identifier", "patient has no identifier and no id")
	}

	if n := pickName(p.Name); n != nil {
		out.Family = n.Family
		out.Given = strings.Join(n.Given, " ")
	}
	if p.BirthDate != "" {
		if !IsDate(p.BirthDate) {
			return nil, patientErr("birthDate", "not a FHIR date (want YYYY, YYYY-MM or YYYY-MM-DD)")
		}
		out.BirthDate = p.BirthDate
	}
	switch p.Gender {
	case "", "male", "female", "other", "unknown":
		out.Gender = p.Gender
	default:
		return nil, patientErr("gender", "not a FHIR administrative gender (want male, female, other or unknown)")
	}

	addr := pickAddress(p.Address)
	if addr != nil {
		out.Address = rapport.Address{
			Lines:      slices.Clone(addr.Line),
			City:       addr.City,
			State:      addr.State,
			PostalCode: addr.PostalCode,
			Country:    addr.Country,
		}
	}
	out.Email = pickEmail(p.Telecom)
	out.Phone = pickPhone(p.Telecom, phoneCountry(out.Address.Country))

	if lang := pickLanguage(p.Communication); lang != "" {
		if !IsLanguageTag(lang) {
			return nil, patientErr("communication.language", "not a BCP 47 language tag")
		}
		out.Language = lang
	}
	tz := extensionString(p.Extension, ExtTimeZone)
	if tz == "" {
		tz = extensionString(p.Extension, ExtTZCode)
	}
	if tz != "" {
		if !IsTimeZoneName(tz) {
			return nil, patientErr("extension", "time zone is not an IANA name such as America/Chicago")
		}
		out.TimeZone = tz
	}

	if p.Meta != nil {
		for _, t := range p.Meta.Tag {
			if t.System == SystemTag && t.Code != "" && !slices.Contains(out.Tags, t.Code) {
				out.Tags = append(out.Tags, t.Code)
			}
		}
	}
	if (p.DeceasedBoolean != nil && *p.DeceasedBoolean) || p.DeceasedDateTime != "" {
		if !slices.Contains(out.Tags, TagDeceased) {
			out.Tags = append(out.Tags, TagDeceased)
		}
	}
	return out, nil
}

func hasIdentifier(ids []rapport.Identifier, system, value string) bool {
	for _, id := range ids {
		if id.System == system && id.Value == value {
			return true
		}
	}
	return false
}

func patientErr(field, msg string) error {
	return &rapport.RecordError{Where: "Patient", Field: field, Err: rapport.Errorf(rapport.EINVALID, "%s", msg)}
}

// PatientFromDomain maps a Rapport patient to a FHIR Patient whose id is
// the Rapport id. PatientToDomain(PatientFromDomain(p)) returns p's data
// (without ID, OrgID and timestamps), with {rapport.SystemFHIRID, p.ID}
// added to the identifiers when p had no rapport.SystemFHIRID identifier.
func PatientFromDomain(p *rapport.Patient) *Patient {
	out := &Patient{ResourceType: "Patient", ID: p.ID, Gender: p.Gender, BirthDate: p.BirthDate}
	if !p.UpdatedAt.IsZero() || len(p.Tags) > 0 {
		out.Meta = &Meta{}
		if !p.UpdatedAt.IsZero() {
			out.Meta.LastUpdated = p.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		}
		for _, t := range p.Tags {
			out.Meta.Tag = append(out.Meta.Tag, Coding{System: SystemTag, Code: t})
		}
	}
	if p.TimeZone != "" {
		out.Extension = []Extension{{URL: ExtTimeZone, ValueCode: p.TimeZone}}
	}
	for _, id := range p.Identifiers {
		fid := Identifier{System: id.System, Value: id.Value}
		if id.Type != "" {
			fid.Type = &CodeableConcept{Coding: []Coding{{System: SystemV2IdentifierType, Code: id.Type}}}
		}
		if id.System == rapport.SystemMRN || id.Type == "MR" {
			fid.Use = "usual"
		}
		out.Identifier = append(out.Identifier, fid)
	}
	if p.Family != "" || p.Given != "" {
		n := HumanName{Use: "official", Family: p.Family}
		if p.Given != "" {
			n.Given = []string{p.Given}
		}
		out.Name = []HumanName{n}
	}
	if p.Phone != "" {
		out.Telecom = append(out.Telecom, ContactPoint{System: "phone", Value: p.Phone, Rank: 1})
	}
	if p.Email != "" {
		out.Telecom = append(out.Telecom, ContactPoint{System: "email", Value: p.Email, Rank: 1})
	}
	if slices.Contains(p.Tags, TagDeceased) {
		t := true
		out.DeceasedBoolean = &t
	}
	if !p.Address.IsZero() {
		out.Address = []Address{{
			Use:        "home",
			Line:       slices.Clone(p.Address.Lines),
			City:       p.Address.City,
			State:      p.Address.State,
			PostalCode: p.Address.PostalCode,
			Country:    p.Address.Country,
		}}
	}
	if p.Language != "" {
		t := true
		out.Communication = []PatientCommunication{{
			Language:  CodeableConcept{Coding: []Coding{{System: SystemBCP47, Code: p.Language}}},
			Preferred: &t,
		}}
	}
	return out
}

func pickName(names []HumanName) *HumanName {
	for _, use := range []string{"official", "usual"} {
		for i := range names {
			if names[i].Use == use {
				return &names[i]
			}
		}
	}
	for i := range names {
		if names[i].Use != "old" && names[i].Use != "maiden" {
			return &names[i]
		}
	}
	return nil
}

func pickAddress(addrs []Address) *Address {
	for i := range addrs {
		if addrs[i].Use == "home" {
			return &addrs[i]
		}
	}
	for i := range addrs {
		if addrs[i].Use != "old" {
			return &addrs[i]
		}
	}
	return nil
}

func pickEmail(telecom []ContactPoint) string {
	for _, cp := range byRank(telecom, "email") {
		if e, err := rapport.NormalizeEmail(cp.Value); err == nil {
			return e
		}
	}
	return ""
}

func pickPhone(telecom []ContactPoint, country string) string {
	cps := byRank(telecom, "phone", "sms")
	// Mobile numbers (and sms contact points) first: the phone Rapport
	// keeps is the one it texts.
	slices.SortStableFunc(cps, func(a, b ContactPoint) int {
		am := a.Use == "mobile" || a.System == "sms"
		bm := b.Use == "mobile" || b.System == "sms"
		switch {
		case am && !bm:
			return -1
		case bm && !am:
			return 1
		}
		return 0
	})
	for _, cp := range cps {
		if ph, err := rapport.NormalizePhone(cp.Value, country); err == nil {
			return ph
		}
	}
	return ""
}

// byRank returns the contact points of the given systems that are not
// "old", ordered by rank (unranked last), stable otherwise.
func byRank(telecom []ContactPoint, systems ...string) []ContactPoint {
	var out []ContactPoint
	for _, cp := range telecom {
		if cp.Use != "old" && cp.Value != "" && slices.Contains(systems, cp.System) {
			out = append(out, cp)
		}
	}
	slices.SortStableFunc(out, func(a, b ContactPoint) int {
		ra, rb := a.Rank, b.Rank
		if ra <= 0 {
			ra = 1 << 30
		}
		if rb <= 0 {
			rb = 1 << 30
		}
		return ra - rb
	})
	return out
}

// phoneCountry returns the numbering plan to read national phone numbers
// with, from an address country as FHIR sources write it.
func phoneCountry(country string) string {
	switch strings.ToUpper(strings.TrimSpace(country)) {
	case "", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA":
		return "US"
	case "CA", "CAN", "CANADA":
		return "CA"
	case "PR", "PRI", "PUERTO RICO":
		return "PR"
	}
	return country
}

func pickLanguage(comms []PatientCommunication) string {
	for _, c := range comms {
		if c.Preferred != nil && *c.Preferred {
			return languageCode(c.Language)
		}
	}
	if len(comms) > 0 {
		return languageCode(comms[0].Language)
	}
	return ""
}

func languageCode(cc CodeableConcept) string {
	if code := cc.Code(SystemBCP47); code != "" {
		return code
	}
	for _, c := range cc.Coding {
		if c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// IsDate reports whether s is a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD,
// with a month and day that exist.
func IsDate(s string) bool {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch len(s) {
	case 4:
		return digits(s)
	case 7, 10:
	default:
		return false
	}
	if !digits(s[:4]) || s[4] != '-' || !digits(s[5:7]) {
		return false
	}
	month := int(s[5]-'0')*10 + int(s[6]-'0')
	if month < 1 || month > 12 {
		return false
	}
	if len(s) == 7 {
		return true
	}
	if s[7] != '-' || !digits(s[8:10]) {
		return false
	}
	year := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	day := int(s[8]-'0')*10 + int(s[9]-'0')
	return day >= 1 && day <= daysIn(year, month)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// IsLanguageTag reports whether s has the shape of a BCP 47 tag: a 2–3
// letter primary language followed by hyphen-separated subtags of 1–8
// letters or digits ("en", "es-PR", "zh-Hant-TW").
func IsLanguageTag(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for i, part := range strings.Split(s, "-") {
		if part == "" || len(part) > 8 || (i == 0 && (len(part) < 2 || len(part) > 3)) {
			return false
		}
		for j := 0; j < len(part); j++ {
			c := part[j]
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// IsTimeZoneName reports whether s has the shape of an IANA time zone
// name ("UTC", "America/Argentina/Buenos_Aires"). It does not consult the
// time zone database; callers that can do I/O check that the zone exists.
func IsTimeZoneName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '/' || s[len(s)-1] == '/' || strings.Contains(s, "//") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return s[0] != '.'
}
