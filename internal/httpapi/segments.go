package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/segment"
)

type assessRequest struct {
	Answers map[string]int `json:"answers"`
	Short   bool           `json:"short"`
}

// segmentErr turns a segmentation error into an application error; its
// message names items and values, never the patient.
func segmentErr(err error) error {
	var se *segment.Error
	if errors.As(err, &se) {
		return &rapport.Error{Code: rapport.EINVALID, Message: se.Message, Err: err}
	}
	return err
}

// handleAssess serves POST /api/v1/patients/{id}/assessments: the body is
// either {"answers": {"linkId": 1..5, …}, "short": false} or a FHIR
// QuestionnaireResponse. The patient is classified with the server's model
// and the assessment is kept as history.
func (s *Server) handleAssess(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	if err := actor.Require(rapport.PermSegmentWrite); err != nil {
		s.writeError(w, r, err)
		return
	}
	m := s.cfg.Model
	if m == nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINTERNAL, "no segmentation model is configured"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "request body too large or unreadable"))
		return
	}
	var resp segment.Response
	var short bool
	source := "api"
	var probe struct {
		ResourceType string `json:"resourceType"`
	}
	_ = json.Unmarshal(body, &probe)
	if probe.ResourceType != "" {
		resp, err = segment.ParseQuestionnaireResponse(bytes.NewReader(body))
		if err != nil {
			s.writeError(w, r, segmentErr(err))
			return
		}
		source = "questionnaire-response"
	} else {
		var req assessRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || len(req.Answers) == 0 {
			s.writeError(w, r, rapport.Errorf(rapport.EINVALID, `want {"answers": {"item linkId": 1..5, …}} or a QuestionnaireResponse`))
			return
		}
		for item, v := range req.Answers {
			if v < 1 || v > 5 {
				s.writeError(w, r, rapport.Errorf(rapport.EINVALID, "answer to %q is %d, want 1..5", item, v))
				return
			}
		}
		resp, short = segment.Response{Answers: req.Answers}, req.Short
	}
	as, err := m.ClassifyWith(resp, segment.ClassifyOptions{Short: short})
	if err != nil {
		s.writeError(w, r, segmentErr(err))
		return
	}
	probs := map[string]float64{}
	for i, id := range m.SegmentIDs() {
		if i < len(as.Probabilities) {
			probs[id] = as.Probabilities[i]
		}
	}
	a := &rapport.Assessment{PatientID: r.PathValue("id"), ModelID: as.ModelID, ModelVersion: as.ModelVersion, Form: as.Form,
		Segment: as.Segment, Probability: as.Probability, Probabilities: probs, Answered: as.Answered, Channels: as.Channels,
		At: s.now(), Source: source}
	if err := s.cfg.Store.RecordAssessment(r.Context(), actor, a); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, assessmentJSON(*a))
}

func assessmentJSON(a rapport.Assessment) map[string]any {
	return map[string]any{"id": a.ID, "model_id": a.ModelID, "model_version": a.ModelVersion, "form": a.Form,
		"segment": a.Segment, "probability": a.Probability, "probabilities": a.Probabilities, "answered": a.Answered,
		"channels": a.Channels, "at": a.At, "source": a.Source}
}

// handlePatientSegment serves GET /api/v1/patients/{id}/segment: the
// current assessment and the history.
func (s *Server) handlePatientSegment(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	hist, err := s.cfg.Store.Assessments(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"current": nil, "history": []any{}}
	var items []any
	for _, a := range hist {
		items = append(items, assessmentJSON(a))
	}
	if len(items) > 0 {
		out["current"], out["history"] = items[0], items
	}
	writeJSON(w, http.StatusOK, out)
}

// handleSegments serves GET /api/v1/segments: the model's segments with
// their playbooks and how many patients each holds now.
func (s *Server) handleSegments(w http.ResponseWriter, r *http.Request) {
	actor, _ := ActorFrom(r.Context())
	m := s.cfg.Model
	if m == nil {
		s.writeError(w, r, rapport.Errorf(rapport.EINTERNAL, "no segmentation model is configured"))
		return
	}
	counts, err := s.cfg.Store.SegmentCounts(r.Context(), actor, m.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var segs []any
	for _, sg := range m.Segments {
		segs = append(segs, map[string]any{"id": sg.ID, "name": sg.Name, "description": sg.Description, "motivations": sg.Motivations,
			"say": sg.Say, "avoid": sg.Avoid, "tone": sg.Tone, "channels": sg.Channels, "patients": counts[sg.ID]})
	}
	writeJSON(w, http.StatusOK, map[string]any{"model_id": m.ID, "model_version": m.Version, "segments": segs,
		"unclassified": counts[rapport.Unclassified]})
}
