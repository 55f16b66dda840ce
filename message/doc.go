// Package message holds what Rapport checks and renders about a message's
// content before it is sent: personalisation templates with safe
// fallbacks, SMS length and encoding (GSM-7 or UCS-2, segments), reading
// level, and the texts the law requires (STOP instructions in SMS, an
// unsubscribe link and the sender's postal address in email).
//
// It is pure: no I/O, no clock, no knowledge of patients beyond the field
// values passed to Render. The template language is deliberately small —
// {{field}} and {{field|fallback}} only — so that marketers cannot write
// logic and renders stay fast; see docs/delivery.md.
package message
