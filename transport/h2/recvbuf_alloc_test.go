package h2_test

import (
	"testing"

	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// TestRecvQueueAllocs: a steady stream of frames through a queue the
// reader keeps up with, or lags behind, allocates nothing.
func TestRecvQueueAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	q := h2.NewRecvQueue()
	frame := make([]byte, 1034)
	p := make([]byte, 16<<10)
	for i := 0; i < 100; i++ { // warm the pools and the ring
		for j := 0; j < 64; j++ {
			q.Push(frame)
		}
		for q.Len() > 0 {
			q.Read(p)
		}
	}
	a := testing.AllocsPerRun(1000, func() {
		q.Push(frame)
		q.Push(frame)
		q.Read(p[:1500])
		q.Read(p[:600])
	})
	if a > 0 {
		t.Fatalf("%v allocs per run", a)
	}
}
