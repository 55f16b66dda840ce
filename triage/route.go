package triage

import (
	"fmt"
	"strings"

	"github.com/rapport-health/rapport"
)

// Rule routes matching items to a queue. Every criterion that is set must
// match (AND); within a criterion any value may match (OR). A rule with no
// criterion is rejected: use the Router's fallback queue instead.
type Rule struct {
	Name  string `json:"name"`
	Queue string `json:"queue"`
	// Keywords are words or phrases matched case-insensitively on whole
	// words ("bill" does not match "billing").
	Keywords []string `json:"keywords,omitempty"`
	// Accounts are author ids or handles (compared case-insensitively,
	// without a leading '@').
	Accounts   []string          `json:"accounts,omitempty"`
	Intents    []Intent          `json:"intents,omitempty"`
	Networks   []rapport.Network `json:"networks,omitempty"`
	MinUrgency Urgency           `json:"min_urgency,omitempty"`
	// Private, when set, matches only private (true) or public (false) items.
	Private *bool `json:"private,omitempty"`
}

// Route is a routing decision: the queue and the name of the rule that chose
// it ("crisis" or "fallback" for the built-in steps).
type Route struct {
	Queue string
	Rule  string
}

// Names of the built-in routing steps.
const (
	RuleCrisis   = "crisis"
	RuleFallback = "fallback"
)

type compiledRule struct {
	Rule
	keywords []string
	accounts map[string]bool
	intents  map[Intent]bool
	networks map[rapport.Network]bool
}

// Router evaluates rules in a fixed order:
//
//  1. a crisis always goes to the crisis queue, whatever the rules say;
//  2. the rules, in the order given: the first that matches wins;
//  3. otherwise the fallback queue.
//
// It is pure data in, queue name out, and safe for concurrent use.
type Router struct {
	crisisQueue string
	fallback    string
	rules       []compiledRule
}

// NewRouter validates rules and returns a Router. Errors name the rule by
// position and name, and the field at fault.
func NewRouter(crisisQueue, fallback string, rules []Rule) (*Router, error) {
	if strings.TrimSpace(crisisQueue) == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "crisis queue: required")
	}
	if strings.TrimSpace(fallback) == "" {
		return nil, rapport.Errorf(rapport.EINVALID, "fallback queue: required")
	}
	valid := map[Intent]bool{}
	for _, in := range Intents() {
		valid[in] = true
	}
	r := &Router{crisisQueue: crisisQueue, fallback: fallback}
	names := map[string]bool{}
	for i, rule := range rules {
		at := func(field, format string, args ...any) error {
			where := fmt.Sprintf("rules[%d] (%q)", i, rule.Name)
			if field != "" {
				where += "." + field
			}
			return rapport.Errorf(rapport.EINVALID, "%s: %s", where, fmt.Sprintf(format, args...))
		}
		if strings.TrimSpace(rule.Name) == "" {
			return nil, at("name", "required")
		}
		if names[rule.Name] {
			return nil, at("name", "duplicate rule name")
		}
		names[rule.Name] = true
		if strings.TrimSpace(rule.Queue) == "" {
			return nil, at("queue", "required")
		}
		c := compiledRule{Rule: rule}
		for j, kw := range rule.Keywords {
			n := normalize(kw)
			if strings.TrimSpace(n) == "" {
				return nil, at("keywords", "keyword %d (%q) has no letters or digits", j, kw)
			}
			c.keywords = append(c.keywords, n)
		}
		if len(rule.Accounts) > 0 {
			c.accounts = map[string]bool{}
			for j, a := range rule.Accounts {
				a = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(a), "@"))
				if a == "" {
					return nil, at("accounts", "account %d is empty", j)
				}
				c.accounts[a] = true
			}
		}
		if len(rule.Intents) > 0 {
			c.intents = map[Intent]bool{}
			for j, in := range rule.Intents {
				if !valid[in] {
					return nil, at("intents", "intent %d: unknown intent %q", j, in)
				}
				c.intents[in] = true
			}
		}
		if len(rule.Networks) > 0 {
			c.networks = map[rapport.Network]bool{}
			for j, nw := range rule.Networks {
				if nw == "" {
					return nil, at("networks", "network %d is empty", j)
				}
				c.networks[nw] = true
			}
		}
		if rule.MinUrgency != 0 && (rule.MinUrgency < UrgencyLow || rule.MinUrgency > UrgencyCritical) {
			return nil, at("min_urgency", "invalid urgency %d", int(rule.MinUrgency))
		}
		if len(c.keywords) == 0 && c.accounts == nil && c.intents == nil && c.networks == nil &&
			rule.MinUrgency == 0 && rule.Private == nil {
			return nil, at("", "no criterion set; a catch-all belongs in the fallback queue")
		}
		r.rules = append(r.rules, c)
	}
	return r, nil
}

// Route chooses the queue for a triaged input.
func (r *Router) Route(in Input, res Result) Route {
	if res.Crisis {
		return Route{Queue: r.crisisQueue, Rule: RuleCrisis}
	}
	var norm string
	for _, c := range r.rules {
		if c.networks != nil && !c.networks[in.Network] {
			continue
		}
		if c.intents != nil && !c.intents[res.Intent] {
			continue
		}
		if c.MinUrgency != 0 && res.Urgency < c.MinUrgency {
			continue
		}
		if c.Private != nil && *c.Private != in.Private {
			continue
		}
		if c.accounts != nil &&
			!c.accounts[strings.ToLower(in.AuthorID)] &&
			!c.accounts[strings.ToLower(strings.TrimPrefix(in.AuthorHandle, "@"))] {
			continue
		}
		if len(c.keywords) > 0 {
			if norm == "" {
				norm = normalize(in.Text)
			}
			hit := false
			for _, kw := range c.keywords {
				if containsPhrase(norm, kw) {
					hit = true
					break
				}
			}
			if !hit {
				continue
			}
		}
		return Route{Queue: c.Queue, Rule: c.Name}
	}
	return Route{Queue: r.fallback, Rule: RuleFallback}
}
