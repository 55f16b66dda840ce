// Package triage classifies an inbound social item on arrival: its intent
// (complaint, question, appointment or billing request, praise, medical
// question, crisis, spam, other), its sentiment (VADER compound score), its
// urgency, and whether it is a crisis (self-harm or suicidal intent, a medical
// emergency, a threat of violence) with the reason that matched. A small rule
// engine (Router) then routes the item to a queue from pure data.
//
// It is a pure engine: no I/O, no database, no clock, no logging, no
// package-level state. Crisis detection is tuned for recall: a missed crisis
// is far worse than an extra escalation.
//
// Crisis detection is a compositional scorer (score.go): the text is
// tokenised and normalised (tokens.go), figurative phrases are dropped,
// concept classes are tagged (concepts.go) and their co-occurrence within a
// window is scored with hand-set, interpretable weights; the older phrasing
// families (crisis.go, signals.go) are one feature among them. On crisis
// posts written after each tuning pass it caught about half as written
// (docs/social.md), so a crisis flag only speeds an item up; the absence of
// one must never be read as "not urgent", and staff must see every item.
package triage
