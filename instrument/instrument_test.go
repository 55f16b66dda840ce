package instrument

import (
	"encoding/json"
	"regexp"
	"testing"
)

type item struct {
	LinkID       string `json:"linkId"`
	Text         string `json:"text"`
	Type         string `json:"type"`
	Item         []item `json:"item"`
	AnswerOption []struct {
		ValueCoding struct {
			Code string `json:"code"`
		} `json:"valueCoding"`
	} `json:"answerOption"`
}

func TestQuestionnaireShape(t *testing.T) {
	var q struct {
		ResourceType string `json:"resourceType"`
		Status       string `json:"status"`
		Item         []item `json:"item"`
	}
	if err := json.Unmarshal(Questionnaire(), &q); err != nil {
		t.Fatalf("Questionnaire() is not JSON: %v", err)
	}
	if q.ResourceType != "Questionnaire" || q.Status != "active" {
		t.Errorf("resourceType, status = %q, %q; want Questionnaire, active", q.ResourceType, q.Status)
	}
	seen := map[string]bool{}
	linkID := regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)+$`)
	var questions, channels int
	var walk func(items []item)
	walk = func(items []item) {
		for _, it := range items {
			if seen[it.LinkID] {
				t.Errorf("linkId %q appears twice", it.LinkID)
			}
			seen[it.LinkID] = true
			if !linkID.MatchString(it.LinkID) {
				t.Errorf("linkId %q does not match %v", it.LinkID, linkID)
			}
			if it.Type == "group" {
				walk(it.Item)
				continue
			}
			if it.Type != "choice" {
				t.Errorf("item %q has type %q, want choice", it.LinkID, it.Type)
			}
			if len(it.AnswerOption) != 5 {
				t.Errorf("item %q has %d answer options, want 5", it.LinkID, len(it.AnswerOption))
			}
			for i, o := range it.AnswerOption {
				if got, want := o.ValueCoding.Code, string(rune('1'+i)); got != want {
					t.Errorf("item %q option %d code = %q, want %q", it.LinkID, i, got, want)
				}
			}
			if words := len(regexp.MustCompile(`\S+`).FindAllString(it.Text, -1)); words > 20 {
				t.Errorf("item %q has %d words, want at most 20 (plain language)", it.LinkID, words)
			}
			if it.LinkID[:3] == "ch-" {
				channels++
			} else {
				questions++
			}
		}
	}
	walk(q.Item)
	if questions < 30 || questions > 40 {
		t.Errorf("got %d Likert items, want 30..40", questions)
	}
	if channels < 4 {
		t.Errorf("got %d channel questions, want at least 4", channels)
	}
}

func TestQuestionnaireReturnsCopy(t *testing.T) {
	a := Questionnaire()
	a[0] = 'x'
	if b := Questionnaire(); b[0] == 'x' {
		t.Errorf("Questionnaire() shares its buffer with callers")
	}
}
