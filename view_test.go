package locker

import (
	"sync"
	"testing"
)

func TestSubscribeGetsCopiesOutsideTheLock(t *testing.T) {
	r := newRig(t, testBank())
	var mu sync.Mutex
	var got []View
	cancel := r.s.Subscribe(func(v View) {
		// Calling back into the service would deadlock if the lock were held.
		_ = r.s.View()
		_ = r.s.Status()
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
	})
	r.signIn()
	r.must(r.s.ScanParcel(r.ctx, "B", ""))
	mu.Lock()
	n := len(got)
	last := got[n-1]
	mu.Unlock()
	if n < 2 || last.Step != StepRecipient {
		t.Fatalf("%d views, last step %s", n, last.Step)
	}
	last.Compartments[0].ID = "MUTATED"
	if r.s.View().Compartments[0].ID == "MUTATED" {
		t.Fatal("View shares memory with the service")
	}
	cancel()
	r.must(r.s.Cancel(r.ctx))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Error("called after cancel")
	}
}
