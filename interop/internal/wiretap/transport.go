package wiretap

import (
	"context"

	"github.com/shockwave-rpc/shockwave/transport"
)

// Handler wraps h so that every stream it serves is tapped: the handler's
// context (and so the call's) carries the stream's Tap.
func Handler(h transport.Handler) transport.Handler {
	return transport.HandlerFunc(func(st transport.ServerStream) {
		// One allocation per stream, not pooled: contexts derived from
		// the stream's may watch it after the handler returns.
		s := &serverStream{ServerStream: st}
		s.ctx = tapContext{Context: st.Context(), tap: &s.tap}
		h.ServeStream(s)
	})
}

type serverStream struct {
	transport.ServerStream
	ctx tapContext
	tap Tap
}

// tapContext is the stream's context with the tap added, without an
// allocation per stream.
type tapContext struct {
	context.Context
	tap *Tap
}

func (c *tapContext) Value(key any) any {
	if key == (tapKey{}) {
		return c.tap
	}
	return c.Context.Value(key)
}

func (s *serverStream) Context() context.Context { return &s.ctx }

func (s *serverStream) Read(p []byte) (int, error) {
	n, err := s.ServerStream.Read(p)
	if n > 0 {
		s.tap.observe(p[:n])
	}
	return n, err
}

func (s *serverStream) Write(p []byte) (int, error) {
	return s.tap.write(s.ServerStream, p)
}

// Conn wraps c so that streams opened with a context carrying a Tap (see
// NewContext) are tapped; others are c's own.
func Conn(c transport.ClientConn) transport.ClientConn {
	return &clientConn{c}
}

type clientConn struct {
	transport.ClientConn
}

func (c *clientConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.ClientConn.NewStream(ctx)
	if err != nil {
		return nil, err
	}
	t := FromContext(ctx)
	if t == nil {
		return st, nil
	}
	return &clientStream{ClientStream: st, tap: t}, nil
}

type clientStream struct {
	transport.ClientStream
	tap *Tap
}

func (s *clientStream) Read(p []byte) (int, error) {
	n, err := s.ClientStream.Read(p)
	if n > 0 {
		s.tap.observe(p[:n])
	}
	return n, err
}

func (s *clientStream) Write(p []byte) (int, error) {
	return s.tap.write(s.ClientStream, p)
}
