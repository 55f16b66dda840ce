package rapport

import (
	"context"
	"time"
)

// Unclassified is the segment of an assessment whose top probability is
// below the model's threshold: such a patient gets generic messaging.
const Unclassified = "unclassified"

// Assessment is one psychographic classification of a patient: which
// segment a model put the patient in from the patient's answers, and how
// sure it was. Assessments are history: a re-assessment is a new one.
type Assessment struct {
	ID           string
	OrgID        string
	PatientID    string
	ModelID      string
	ModelVersion string
	Form         string // full or short
	Segment      string // a segment id of the model, or Unclassified
	Probability  float64
	// Probabilities are the posterior probabilities by segment id.
	Probabilities map[string]float64
	Answered      int
	// Channels are the channels the patient said they prefer, best first.
	Channels []string
	At       time.Time
	Source   string // api, import, questionnaire-response…
}

// SegmentStore keeps patients' assessments.
type SegmentStore interface {
	// RecordAssessment appends an assessment for a patient of the actor's
	// organisation; the patient's current segment under that model becomes
	// this one if it is the newest.
	RecordAssessment(ctx context.Context, actor Actor, a *Assessment) error
	// Assessments returns a patient's assessments, newest first.
	Assessments(ctx context.Context, actor Actor, patientID string) ([]Assessment, error)
	// SegmentCounts returns how many patients are currently in each
	// segment of modelID.
	SegmentCounts(ctx context.Context, actor Actor, modelID string) (map[string]int, error)
}
