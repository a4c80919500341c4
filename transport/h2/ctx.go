package h2

import (
	"context"
	"sync"
	"time"
)

// streamCtx is the context.Context of one stream. It is pooled with the
// stream, which is what makes a stream's context free: no channel, no
// goroutine and no allocation unless someone asks for Done.
//
// The Done channel is made lazily. A streamCtx whose Done or AfterFunc was
// called is retired when its stream ends instead of being reused, because
// code that selected on the channel may hold the context past the handler
// (a goroutine that the handler started, say) and must keep seeing it done.
// A context on which only Err was called is reused: like every other view a
// stream returns, it must not be used after the handler returns (or, on
// the client, after Close).
type streamCtx struct {
	mu      sync.Mutex
	done    chan struct{}
	err     error
	retired bool
	after   []afterFunc
	nextID  int
	parent  context.Context // for Value and Deadline; may be nil
}

type afterFunc struct {
	id int
	f  func()
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *streamCtx) Deadline() (time.Time, bool) {
	if c.parent != nil {
		return c.parent.Deadline()
	}
	return time.Time{}, false
}

func (c *streamCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retired = true
	if c.done == nil {
		if c.err != nil {
			c.done = closedChan
		} else {
			c.done = make(chan struct{})
		}
	}
	return c.done
}

func (c *streamCtx) Err() error {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	return err
}

func (c *streamCtx) Value(key any) any {
	if c.parent != nil {
		return c.parent.Value(key)
	}
	return nil
}

// AfterFunc lets context.WithCancel and friends derive from a stream
// context without starting a goroutine per derived context: the context
// package uses this method when the parent has it.
func (c *streamCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	c.retired = true
	if c.err != nil {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	c.nextID++
	id := c.nextID
	c.after = append(c.after, afterFunc{id, f})
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, a := range c.after {
			if a.id == id {
				c.after = append(c.after[:i], c.after[i+1:]...)
				return true
			}
		}
		return false
	}
}

// cancel ends the context with err; later calls do nothing.
func (c *streamCtx) cancel(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	after := c.after
	c.after = nil
	c.mu.Unlock()
	for _, a := range after {
		a.f()
	}
}

// reuse returns a context for the stream's next use: c itself, reset, if
// nobody can be watching it, else a fresh one.
func (c *streamCtx) reuse() *streamCtx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.retired {
		return &streamCtx{}
	}
	c.err = nil
	c.parent = nil
	return c
}
