// Package phi finds the HIPAA Safe Harbor identifiers (names, sub-state
// places, dates, ages over 89, contact numbers, record and account numbers,
// URLs, IPs and other unique codes) in free text, so that Rapport can redact
// them, warn before a public reply discloses them, and move conversations to
// a private channel.
//
// The detector works in one tokenizing pass with a lexicon lookup per word
// (embedded public-domain and MIT word lists, see lists/PROVENANCE.md), then
// applies small rules over token windows; it uses no regular expressions.
// Names are found by capitalisation, context cues ("Dr.", "my son",
// "patient") and a dictionary of known non-PHI words, not only by a list of
// known names.
//
// The package does no I/O and holds no mutable state: it must not log, read
// files or call services. The evaluation helpers work on values the caller
// has read.
package phi
