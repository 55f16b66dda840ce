package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Population describes a simulated population with known latent classes:
// each class answers every item from a discretised normal around its mean,
// then some answers are replaced by uniform noise and some are dropped.
type Population struct {
	Items   []string
	Classes []Profile
	Spread  float64 // standard deviation of answers around a class mean, on the 1..5 scale
	Noise   float64 // probability that an answer is replaced by a uniformly random one
	Missing float64 // probability that an answer is left empty
}

// Profile is one latent class of a Population.
type Profile struct {
	Segment Segment   // id, name and playbook; Probabilities and Weight are ignored
	Weight  float64   // share of the population
	Means   []float64 // mean answer per item, 1..5
}

// Simulate draws n respondents from pop with a fixed seed and returns their
// answers and each respondent's true class (an index into pop.Classes).
func Simulate(pop Population, n int, seed uint64) (*Responses, []int) {
	rng := rand.New(rand.NewPCG(seed, 0x5e9))
	p := len(pop.Items)
	cdf := make([]float64, len(pop.Classes))
	total := 0.0
	for h, c := range pop.Classes {
		total += c.Weight
		cdf[h] = total
	}
	// Per class and item, the cumulative answer distribution.
	dist := make([][Categories]float64, len(pop.Classes)*p)
	for h, c := range pop.Classes {
		for j, mu := range c.Means {
			var w [Categories]float64
			s := 0.0
			for v := range Categories {
				d := float64(v+1) - mu
				w[v] = math.Exp(-d * d / (2 * pop.Spread * pop.Spread))
				s += w[v]
			}
			acc := 0.0
			for v := range Categories {
				acc += w[v] / s
				dist[h*p+j][v] = acc
			}
		}
	}
	rs := &Responses{Items: append([]string(nil), pop.Items...), IDs: make([]string, n), Values: make([]uint8, n*p)}
	truth := make([]int, n)
	for i := range n {
		u := rng.Float64() * total
		h := 0
		for h < len(cdf)-1 && u > cdf[h] {
			h++
		}
		truth[i] = h
		rs.IDs[i] = fmt.Sprintf("sim-%06d", i+1)
		row := rs.Row(i)
		for j := range p {
			if rng.Float64() < pop.Missing {
				continue
			}
			if rng.Float64() < pop.Noise {
				row[j] = uint8(1 + rng.IntN(Categories))
				continue
			}
			u := rng.Float64()
			v := 0
			for v < Categories-1 && u > dist[h*p+j][v] {
				v++
			}
			row[j] = uint8(v + 1)
		}
	}
	return rs, truth
}

// RandomPopulation returns a population of k classes over p items with
// class means drawn uniformly from 1.5..4.5 and unequal sizes (the largest
// class about three times the smallest), for tests of the fitting.
func RandomPopulation(k, p int, seed uint64) Population {
	rng := rand.New(rand.NewPCG(seed, 0xa11))
	pop := Population{Spread: 0.9, Noise: 0.1, Missing: 0.08}
	for j := range p {
		pop.Items = append(pop.Items, fmt.Sprintf("q%02d", j+1))
	}
	for h := range k {
		c := Profile{Segment: Segment{ID: fmt.Sprintf("c%d", h+1)}, Weight: 3 - 2*float64(h)/float64(max(k-1, 1))}
		for range p {
			c.Means = append(c.Means, 1.5+3*rng.Float64())
		}
		pop.Classes = append(pop.Classes, c)
	}
	return pop
}

// construct means per segment, on the 1..5 agree scale. The order of the
// columns is the order of constructs in DefaultPopulation.
type profileRow struct {
	own, doc, fate, act, fut, data, info, overload, care, time, avoid, trust, remind, conv float64
}

// DefaultPopulation returns the explicit segment profiles from which the
// default model's training population is simulated: five segments with
// their playbooks and, per construct of the open instrument, the mean
// answer of a typical member. Answers spread around the mean with SD 0.9;
// 10% are random noise and 5% are missing.
func DefaultPopulation() Population {
	type seg struct {
		s Segment
		w float64
		r profileRow
	}
	segs := []seg{
		{Segment{
			ID: "planner", Name: "Planners",
			Description: "Take charge of their health and plan for the long term. Confident, want their own numbers, set goals and follow them.",
			Motivations: []string{"progress toward their own goals", "data about their own body", "staying well for years to come"},
			Say:         []string{"show the numbers and the trend", "give the goal and the next step toward it", "point to tools they can use on their own"},
			Avoid:       []string{"talking down or oversimplifying", "vague advice without reasons", "nagging about things they already track"},
			Tone:        "factual, respectful, goal-focused",
			Channels:    []string{"portal", "email", "sms"},
		}, 0.27, profileRow{4.5, 3.0, 1.6, 4.5, 4.5, 4.6, 4.3, 1.8, 2.4, 2.0, 1.5, 3.9, 3.0, 2.4}},
		{Segment{
			ID: "caregiver", Name: "Stretched caregivers",
			Description: "Busy people who look after others first. Short on time, they value convenience and timely reminders.",
			Motivations: []string{"being there for their family", "saving time", "care that fits a packed day"},
			Say:         []string{"lead with how quick and easy it is", "offer reminders and one-tap booking", "link their health to caring for the people who need them"},
			Avoid:       []string{"long messages", "guilt about neglecting themselves", "asking for many steps or visits"},
			Tone:        "warm, brief, practical",
			Channels:    []string{"sms", "phone", "email"},
		}, 0.24, profileRow{3.5, 3.3, 2.5, 3.3, 3.0, 3.0, 3.0, 3.0, 4.6, 4.5, 3.0, 3.8, 4.6, 4.5}},
		{Segment{
			ID: "guided", Name: "Guidance seekers",
			Description: "Trust their clinicians and want to be told clearly what to do. Prefer a clear instruction from a doctor or nurse to options and data.",
			Motivations: []string{"doing the right thing as advised", "the word of a trusted professional", "clear, simple next steps"},
			Say:         []string{"name the clinician or credentialed source", "give one specific instruction with a date", "say plainly why it matters"},
			Avoid:       []string{"many options to choose from", "heavy statistics", "asking them to research on their own"},
			Tone:        "clear, direct, reassuring",
			Channels:    []string{"phone", "mail", "sms"},
		}, 0.21, profileRow{2.8, 4.6, 2.6, 2.6, 3.2, 2.0, 2.3, 3.8, 2.6, 2.5, 2.2, 4.7, 4.0, 2.5}},
		{Segment{
			ID: "present", Name: "Here-and-now",
			Description: "Focused on today, uneasy about doctors, and doubt that what they do changes their health. Tend to put care off.",
			Motivations: []string{"feeling better now", "getting it over with quickly", "avoiding hassle and worry"},
			Say:         []string{"one short, concrete step for today", "what it does for them now", "make it easy and low-pressure"},
			Avoid:       []string{"fear and long-term risk statistics", "lecturing or blame", "long explanations"},
			Tone:        "short, friendly, concrete, non-judgemental",
			Channels:    []string{"sms", "phone"},
		}, 0.16, profileRow{2.3, 2.3, 4.2, 2.2, 1.8, 1.8, 1.8, 3.5, 2.8, 3.2, 4.4, 2.6, 2.6, 3.8}},
		{Segment{
			ID: "explorer", Name: "Independent explorers",
			Description: "Read widely and decide for themselves. Keen on information and control, more sceptical of being told what to do.",
			Motivations: []string{"understanding the why", "making their own informed choice", "options, including less conventional ones"},
			Say:         []string{"explain the reasoning and the evidence", "offer choices and respect their decision", "link to good sources for further reading"},
			Avoid:       []string{"appeals to authority alone", "one-size-fits-all orders", "hiding uncertainty"},
			Tone:        "open, collaborative, evidence-based",
			Channels:    []string{"email", "portal", "social"},
		}, 0.12, profileRow{4.2, 1.9, 2.0, 3.8, 3.8, 4.2, 4.6, 2.2, 2.5, 2.8, 2.6, 2.4, 2.3, 3.0}},
	}
	items := Instrument()
	pop := Population{Spread: 0.9, Noise: 0.1, Missing: 0.05}
	for _, it := range items {
		if !it.Channel {
			pop.Items = append(pop.Items, it.LinkID)
		}
	}
	for _, s := range segs {
		r := s.r
		byItem := map[string]float64{
			"own-1": r.own, "own-2": r.own, "own-3": r.own,
			"doc-1": r.doc, "doc-2": r.doc, "doc-3": r.doc,
			"fate-1": r.fate, "fate-2": r.fate, "fate-3": r.fate,
			"act-1": r.act, "act-2": r.act, "act-3": r.act, "act-4": r.act,
			"fut-1": r.fut, "fut-2": 6 - r.fut, "fut-3": r.fut,
			"data-1": r.data, "data-2": r.data, "data-3": r.data,
			"info-1": r.info, "info-2": r.info, "info-3": r.overload,
			"busy-1": r.care, "busy-2": r.care, "busy-3": r.time, "busy-4": r.time,
			"avoid-1": r.avoid, "avoid-2": r.avoid, "avoid-3": r.avoid,
			"trust-1": r.trust, "trust-2": r.trust,
			"easy-1": r.remind, "easy-2": r.conv,
		}
		c := Profile{Segment: s.s, Weight: s.w}
		for _, id := range pop.Items {
			mu, ok := byItem[id]
			if !ok {
				panic("segment: no profile mean for item " + id) // a programming error caught by tests
			}
			c.Means = append(c.Means, mu)
		}
		pop.Classes = append(pop.Classes, c)
	}
	return pop
}
