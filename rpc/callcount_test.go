package rpc

import (
	"sync"
	"testing"
	"time"
)

// Waiters return once the count is zero, however starts, ends and waits
// interleave, and calls may start while they wait (which a WaitGroup
// forbids); two waiters both return.
func TestCallCount(t *testing.T) {
	for range 200 {
		c := newCallCount()
		var calls sync.WaitGroup
		var ended sync.WaitGroup
		for range 8 {
			c.start()
			calls.Go(func() { c.end() })
		}
		for range 2 {
			ended.Go(c.wait)
		}
		for range 8 {
			c.start()
			calls.Go(func() { c.end() })
		}
		calls.Wait()
		done := make(chan struct{})
		go func() { ended.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter did not return with no call in flight")
		}
		if n := c.n.Load(); n != 0 {
			t.Fatalf("count %d after every call ended", n)
		}
	}
	// A wait with a call in flight returns only after it ends.
	c := newCallCount()
	c.start()
	returned := make(chan struct{})
	go func() { c.wait(); close(returned) }()
	select {
	case <-returned:
		t.Fatal("wait returned with a call in flight")
	case <-time.After(50 * time.Millisecond):
	}
	c.end()
	<-returned
}
