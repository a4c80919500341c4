package h2

import (
	"context"
	"io"
	"net"
	"sync"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
)

// noDeadline clears a deadline.
var noDeadline time.Time

// Server serves HTTP/2 connections: it implements transport.ConnServer, so
// a transport.Server can hand it the connections it sniffs, and it can
// serve any net.Conn that speaks HTTP/2 from its first byte.
type Server struct {
	handler transport.Handler
	cfg     config

	mu       sync.Mutex
	conns    map[*conn]struct{}
	closed   bool
	conning  sync.WaitGroup // ServeConn calls
	handlers sync.WaitGroup // handler goroutines
}

// NewServer returns a Server that serves every stream with h.
func NewServer(h transport.Handler, opts ...Option) *Server {
	return &Server{handler: h, cfg: newConfig(opts), conns: make(map[*conn]struct{})}
}

var _ transport.ConnServer = (*Server)(nil)

// ServeConn serves nc until the connection ends, then closes it. nc must
// start with the client connection preface (RFC 9113 §3.4).
func (s *Server) ServeConn(nc net.Conn) {
	c := newConn(nc, &s.cfg, false)
	c.srv = s
	c.handler = s.handler
	c.handlers = &s.handlers
	c.work = make(chan *stream)
	// The deadline is set before the connection is listed, so that a
	// Close, which sets a deadline in the past, cannot be undone by it.
	if d := s.cfg.prefaceTimeout; d > 0 {
		nc.SetReadDeadline(time.Now().Add(d))
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.conning.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.conning.Done()
	}()

	if err := c.fr.ReadClientPreface(); err != nil {
		// RFC 9113 §3.4: an invalid preface is a connection error; the
		// peer may not speak HTTP/2 at all, so GOAWAY is only courtesy.
		if _, ok := err.(*frames.ConnError); ok {
			nc.SetWriteDeadline(time.Now().Add(time.Second))
			nc.Write(frames.AppendGoAway(nil, 0, frames.ErrCodeProtocol, nil))
		}
		nc.Close()
		return
	}
	c.start()
	err := c.readLoop()
	c.mu.Lock()
	c.readEndedLocked(err)
	mode := c.closeMode
	c.mu.Unlock()
	<-c.writerDone
	if mode == closeLinger {
		// Read what the peer still sends, so that our GOAWAY reaches it
		// rather than a TCP reset (the writer set a read deadline).
		io.Copy(io.Discard, nc)
	}
	nc.Close()
}

// Shutdown shuts every connection down gracefully (RFC 9113 §6.8): a
// GOAWAY with the largest stream ID and a PING, so that streams the client
// opened meanwhile still count, then, once the PING returns, a GOAWAY with
// the last stream ID served. Streams in flight finish; connections close
// when their last stream does. Shutdown returns when all connections and
// handlers are done, or when ctx ends, after closing what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.mu.Lock()
		c.startGracefulLocked()
		c.mu.Unlock()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.conning.Wait()
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return ctx.Err()
	}
}

// Close closes every connection at once. Streams in flight fail and their
// handlers' contexts end; Close waits for the connections and handlers to
// finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.mu.Lock()
		c.closeLocked(errServerClosed, closeNow)
		c.mu.Unlock()
	}
	s.mu.Unlock()
	s.conning.Wait()
	s.handlers.Wait()
	return nil
}

// startGracefulLocked sends the first GOAWAY of a graceful shutdown.
func (c *conn) startGracefulLocked() {
	if c.goAwaySent || c.closing {
		return
	}
	c.goAwaySent = true
	c.drainLocked()
	c.wbuf = frames.AppendGoAway(c.wbuf, maxWindow, frames.ErrCodeNo, nil)
	c.wbuf = frames.AppendPing(c.wbuf, false, shutdownPingData)
	c.wakeWriterLocked()
	// A client that does not answer PING still gets its final GOAWAY.
	c.goAwayTimer = time.AfterFunc(time.Second, func() {
		c.mu.Lock()
		c.finalGoAwayLocked()
		c.mu.Unlock()
	})
}

// finalGoAwayLocked sends the GOAWAY with the last stream ID we serve; the
// connection closes once those streams are done.
func (c *conn) finalGoAwayLocked() {
	if !c.goAwaySent || c.goAwayFinal || c.closing {
		return
	}
	c.goAwayFinal = true
	c.lastGoAway = c.maxPeerID
	c.wbuf = frames.AppendGoAway(c.wbuf, c.maxPeerID, frames.ErrCodeNo, nil)
	c.wakeWriterLocked()
	c.streamClosedLocked()
}

// dispatchLocked decides whether a new stream's handler runs now. Handlers
// run on a goroutine each, at most MaxConcurrentStreams at a time: streams
// the client reset still count while their handler runs, so a client that
// opens and resets streams in a loop cannot pile up goroutines; its
// streams wait, and a long queue ends the connection.
func (c *conn) dispatchLocked(st *stream) (run bool, err error) {
	if c.running < int(c.cfg.maxConcurrentStreams) {
		c.running++
		return true, nil
	}
	c.waiting = append(c.waiting, st)
	if len(c.waiting) > 4*int(c.cfg.maxConcurrentStreams) {
		return false, errTooManyHandlers
	}
	return false, nil
}

// worker runs handlers: st first, then streams that waited, then new ones
// handed over on c.work until the connection closes. Reusing goroutines
// keeps handler dispatch free of allocation.
func (c *conn) worker(st *stream) {
	defer c.handlers.Done()
	for {
		c.serveStream(st)
		c.mu.Lock()
		st = nil
		for len(c.waiting) > 0 && st == nil {
			st = c.waiting[0]
			copy(c.waiting, c.waiting[1:])
			c.waiting[len(c.waiting)-1] = nil
			c.waiting = c.waiting[:len(c.waiting)-1]
			if st.rst {
				// Reset while it waited: nobody to serve.
				st.handlerDone = true
				c.maybeRecycleLocked(st)
				st = nil
			}
		}
		if st == nil {
			c.running--
		}
		c.mu.Unlock()
		if st != nil {
			continue
		}
		select {
		case st = <-c.work:
		case <-c.done:
			return
		}
	}
}

// serveStream runs the handler for st and finishes the stream after it.
func (c *conn) serveStream(st *stream) {
	c.handler.ServeStream((*serverStream)(st))
	c.mu.Lock()
	if !st.rst && !st.endQueued {
		st.finishLocked(nil)
	}
	// Nobody reads the request any more: what the handler left unread
	// stops counting against the connection's buffered cap now, complete
	// request or not, rather than when the response ends, which a client
	// that does not read it may hold up for good, starving the other
	// streams' uploads.
	st.dropRecvLocked()
	if !st.closed && !st.recvEnded {
		// The response is complete before the request. RFC 9113 §8.1
		// lets us reset with NO_ERROR to stop the client sending, but
		// frames it already sent would then meet a closed stream and go
		// unchecked; so the rest of the request is read and dropped, and
		// the reset waits until the client has used up the stream window
		// (see onData).
		if st.recvWin <= 0 {
			st.resetAfterEndLocked()
		}
	}
	st.ctx.cancel(context.Canceled)
	st.handlerDone = true
	c.maybeRecycleLocked(st)
	c.mu.Unlock()
}

// serverStream is a stream as its handler sees it.
type serverStream stream

var _ transport.ServerStream = (*serverStream)(nil)

// Context is done when the stream is reset, the connection closes or the
// handler returns. It is free: the stream itself carries it (see
// streamCtx).
func (s *serverStream) Context() context.Context { return s.ctx }

func (s *serverStream) Request() *transport.Request { return &s.req }

func (s *serverStream) Read(p []byte) (int, error) { return (*stream)(s).read(p) }

func (s *serverStream) RequestTrailers() *transport.Header { return &s.rtrailers }

func (s *serverStream) Response() *transport.Response { return &s.resp }

func (s *serverStream) Write(p []byte) (int, error) { return (*stream)(s).write(p) }

func (s *serverStream) Flush() error { return (*stream)(s).flush() }

func (s *serverStream) Finish(trailers *transport.Header) error {
	return (*stream)(s).finish(trailers)
}

func (s *serverStream) SupportsTrailers() bool { return true }

func (s *serverStream) Reset(code transport.Code) { (*stream)(s).cancel(code) }
