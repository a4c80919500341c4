package rpc

import "sync/atomic"

// callCount counts a server's calls in flight and lets Stop and
// GracefulStop wait until there are none. A sync.WaitGroup does not fit:
// its Add from zero must not race with Wait, and calls may still start
// while a stop waits (a transport other than the server's own keeps
// calling ServeStream; HTTP/2 streams a graceful shutdown still serves).
// Starting and ending a call costs an atomic add each; the end also loads
// a flag, and signals only when a stop is waiting and the count is zero.
type callCount struct {
	n       atomic.Int64
	waiting atomic.Bool
	zero    chan struct{} // one buffered signal: the count reached zero
}

func newCallCount() *callCount { return &callCount{zero: make(chan struct{}, 1)} }

func (c *callCount) start() { c.n.Add(1) }

func (c *callCount) end() {
	if c.n.Add(-1) == 0 && c.waiting.Load() {
		select {
		case c.zero <- struct{}{}:
		default:
		}
	}
}

// wait returns once no call is in flight. The flag goes up before the
// count is read, so an end that brings the count to zero after the read
// sees the flag and signals.
func (c *callCount) wait() {
	c.waiting.Store(true)
	for c.n.Load() != 0 {
		<-c.zero
	}
	// Pass the signal on: Stop and GracefulStop may both be waiting.
	select {
	case c.zero <- struct{}{}:
	default:
	}
}
