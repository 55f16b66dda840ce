package campaign

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/rapport-health/rapport"
)

// bucket maps (campaign, patient, salt) to a number uniform in [0, 1). It is
// a hash, not a random draw, so a launch can be recomputed and audited: the
// same campaign and patient always land in the same group.
func bucket(campaignID, patientID, salt string) float64 {
	h := sha256.Sum256([]byte(campaignID + "\x00" + patientID + "\x00" + salt))
	return float64(binary.BigEndian.Uint64(h[:8])>>11) / (1 << 53)
}

// Assigner returns the launch-time assignment of c: a recipient is held
// out when its holdout bucket falls below HoldoutPercent, and otherwise
// gets one of its segment's arms (or the fallback variant's, segment "")
// in proportion to their weights. A recipient with neither gets no
// delivery.
func Assigner(c *rapport.Campaign) rapport.Assigner {
	type arm struct {
		name   string
		weight int
	}
	arms := map[string][]arm{}
	total := map[string]int{}
	for _, v := range c.Variants {
		w := v.Weight
		if w == 0 {
			w = 1
		}
		name := v.Arm
		if name == "" {
			name = "A"
		}
		arms[v.Segment] = append(arms[v.Segment], arm{name, w})
		total[v.Segment] += w
	}
	holdout := c.HoldoutPercent / 100
	return func(campaignID, patientID, segment string) (string, bool, bool) {
		seg := segment
		if _, ok := arms[seg]; !ok {
			seg = ""
			if _, ok := arms[seg]; !ok {
				return "", false, false
			}
		}
		// The holdout is drawn over the whole audience, before arms, so
		// every segment is held out in the same proportion.
		if bucket(campaignID, patientID, "holdout") < holdout {
			return "", true, true
		}
		x := bucket(campaignID, patientID, "arm") * float64(total[seg])
		for _, a := range arms[seg] {
			if x < float64(a.weight) {
				return a.name, false, true
			}
			x -= float64(a.weight)
		}
		as := arms[seg]
		return as[len(as)-1].name, false, true
	}
}

// variantFor returns the variant a delivery of segment and arm renders:
// the segment's own arm, else the fallback variant's arm, else the first
// variant of either.
func variantFor(c *rapport.Campaign, segment, arm string) (rapport.Variant, bool) {
	for _, seg := range []string{segment, ""} {
		var first *rapport.Variant
		for i, v := range c.Variants {
			if v.Segment != seg {
				continue
			}
			if first == nil {
				first = &c.Variants[i]
			}
			if v.Arm == arm || (v.Arm == "" && arm == "A") {
				return v, true
			}
		}
		if first != nil {
			return *first, true
		}
	}
	return rapport.Variant{}, false
}
