package transporttest

import (
	"context"
	"errors"
	"io"

	"github.com/shockwave-rpc/shockwave/transport"
)

var (
	errEOF           = io.EOF
	errWriteAfterEnd = errors.New("transporttest: write after CloseSend")
	errFinishedTwice = errors.New("transporttest: write after Finish")
)

// clientStream is the client's end of a stream.
type clientStream struct{ s *stream }

var _ transport.ClientStream = (*clientStream)(nil)

func (c *clientStream) Request() *transport.Request { return &c.s.creq }

func (c *clientStream) Write(p []byte) (int, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sendHead(); err != nil {
		return 0, err
	}
	if s.reqClosed {
		return 0, errWriteAfterEnd
	}
	return write(s, &s.reqBuf, &s.finished, p, true)
}

func (c *clientStream) Flush() error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendHead()
}

func (c *clientStream) CloseSend(trailers *transport.Header) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sendHead(); err != nil {
		return err
	}
	if s.reqClosed {
		return nil
	}
	if trailers != nil {
		s.reqTrailers.CopyFrom(trailers)
	}
	s.reqClosed = true
	s.cond.Broadcast()
	return nil
}

func (c *clientStream) Response() (*transport.Response, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.respHeadSent && !s.isReset {
		s.cond.Wait()
	}
	if !s.respHeadSent {
		return nil, s.errFor(true)
	}
	return &s.cresp, nil
}

func (c *clientStream) Read(p []byte) (int, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.respHeadSent {
			if n, err := read(s, &s.respBuf, s.respClosed, p, true); n >= 0 {
				return n, err
			}
		} else if s.isReset {
			return 0, s.errFor(true)
		}
		s.cond.Wait()
	}
}

func (c *clientStream) Trailers() *transport.Header { return &c.s.ctrailers }

func (c *clientStream) Cancel(code transport.Code) { c.s.reset(code, true) }

func (c *clientStream) Close() {
	s := c.s
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	ended := s.respClosed && len(s.respBuf) == 0
	s.mu.Unlock()
	if !ended {
		s.reset(transport.Cancel, true)
	}
	if s.stopCtx != nil {
		s.stopCtx()
	}
	s.conn.remove(s)
}

// serverStream is the handler's end of a stream.
type serverStream struct{ s *stream }

var _ transport.ServerStream = (*serverStream)(nil)

func (v *serverStream) Context() context.Context { return v.s.srvCtx }

func (v *serverStream) Request() *transport.Request { return &v.s.sreq }

func (v *serverStream) Read(p []byte) (int, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if n, err := read(s, &s.reqBuf, s.reqClosed, p, false); n >= 0 {
			return n, err
		}
		s.cond.Wait()
	}
}

func (v *serverStream) RequestTrailers() *transport.Header { return &v.s.reqTrailers }

func (v *serverStream) Response() *transport.Response { return &v.s.sresp }

func (v *serverStream) Write(p []byte) (int, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isReset {
		return 0, s.errFor(false)
	}
	if s.finished {
		return 0, errFinishedTwice
	}
	s.sendRespHead()
	never := false
	return write(s, &s.respBuf, &never, p, false)
}

func (v *serverStream) Flush() error {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isReset {
		return s.errFor(false)
	}
	if !s.finished {
		s.sendRespHead()
	}
	return nil
}

func (v *serverStream) Finish(trailers *transport.Header) error {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return nil
	}
	if s.isReset {
		return s.errFor(false)
	}
	s.finished = true
	// With nothing written and no trailers, the head alone ends the
	// stream: gRPC's Trailers-Only response.
	s.sendRespHead()
	if trailers != nil {
		s.ctrailers.CopyFrom(trailers)
	}
	s.respClosed = true
	s.cond.Broadcast()
	return nil
}

func (v *serverStream) SupportsTrailers() bool { return true }

func (v *serverStream) Reset(code transport.Code) { v.s.reset(code, false) }
