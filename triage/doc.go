// Package triage classifies an inbound social item on arrival: its intent
// (complaint, question, appointment or billing request, praise, medical
// question, crisis, spam, other), its sentiment (VADER compound score), its
// urgency, and whether it is a crisis (self-harm or suicidal intent, a medical
// emergency, a threat of violence) with the reason that matched. A small rule
// engine (Router) then routes the item to a queue from pure data.
//
// It is a pure engine: no I/O, no database, no clock, no logging, no
// package-level state. Crisis detection is tuned for recall: a missed crisis
// is far worse than an extra escalation, so the labelled set in testdata/
// requires every crisis phrasing to be caught and only bounds the false
// positives. It must never be used to decide that an item is NOT urgent on
// its own; staff see every item.
package triage
