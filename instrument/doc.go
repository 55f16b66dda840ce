// Package instrument publishes Rapport's open segmentation questionnaire: a
// FHIR R4 Questionnaire of 33 Likert items (1..5) on what moves a person in
// looking after their health, plus 6 direct questions on preferred contact
// channels. Each item has a stable linkId that segmentation models and CSV
// columns refer to; a released linkId is never renamed or reused.
//
// The package only embeds the JSON resource. It must not parse answers or
// score anything: that is package segment's job.
package instrument
