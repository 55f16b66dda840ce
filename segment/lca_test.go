package segment

import (
	"math/rand/v2"
	"testing"
)

// TestEMStepAllocatesNothing checks that an EM iteration on one goroutine
// reuses the fit's buffers: the K search runs thousands of them.
func TestEMStepAllocatesNothing(t *testing.T) {
	rs, _ := Simulate(DefaultPopulation(), 3000, 1)
	e := newEM(rs, 4, 0.5, 1)
	e.seed(rand.New(rand.NewPCG(1, 2)))
	if got := testing.AllocsPerRun(5, func() { e.step() }); got != 0 {
		t.Errorf("allocations per EM step = %v, want 0", got)
	}
}
