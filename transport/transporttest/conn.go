// Package transporttest implements the transport stream contract in memory,
// for tests of the layers above it: a Conn connects a transport.ClientConn
// directly to a transport.Handler through goroutines and bounded buffers,
// and a Recorder is a reusable transport.ServerStream that replays a
// request body and records the response.
//
// The in-memory streams keep the semantics the RPC layer depends on: a
// request head is delivered before the handler runs, writes block while
// the peer has not read a window's worth of bytes, a response with no body
// is delivered as a Trailers-Only head, a reset is seen by both sides as a
// *transport.StreamError (Remote on the side that did not reset), a
// cancelled client context resets the stream with Cancel, and a GOAWAY or
// a closed connection fails new streams.
package transporttest

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"

	"github.com/shockwave-rpc/shockwave/transport"
)

// DefaultWindow is how many unread body bytes a direction of a stream
// buffers before Write blocks, HTTP/2's default initial window (RFC 9113
// §6.9.2).
const DefaultWindow = 65535

// ErrGoAway is Conn.Err after GoAway.
var ErrGoAway = errors.New("transporttest: connection received GOAWAY")

// Conn is an in-memory client connection whose streams are served by a
// Handler on goroutines of their own. It implements transport.ClientConn.
type Conn struct {
	// Window bounds the unread bytes of each direction of a stream; set it
	// before the first NewStream. Zero means DefaultWindow.
	Window int

	// ClientAddr, ServerAddr and TLS, when set before the first
	// NewStream, are the connection the streams report in their
	// Request: the client's has RemoteAddr ServerAddr and LocalAddr
	// ClientAddr, the server's the reverse. An in-memory connection has
	// no addresses otherwise.
	ClientAddr, ServerAddr net.Addr
	TLS                    *tls.ConnectionState

	h       transport.Handler
	baseCtx context.Context
	stopAll context.CancelFunc

	mu      sync.Mutex
	streams map[*stream]struct{}
	done    chan struct{}
	err     error
	goaway  bool
	closed  bool
	wg      sync.WaitGroup
}

var _ transport.ClientConn = (*Conn)(nil)

// NewConn returns a connection whose streams are served by h.
func NewConn(h transport.Handler) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &Conn{
		h:       h,
		baseCtx: ctx,
		stopAll: cancel,
		streams: make(map[*stream]struct{}),
		done:    make(chan struct{}),
	}
}

// NewStream opens a stream. After GoAway or Close it fails with a
// *transport.StreamError marked Unprocessed (GoAway) or ErrConnClosed.
func (c *Conn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, transport.ErrConnClosed
	}
	if c.goaway {
		return nil, &transport.StreamError{Code: transport.RefusedStream, Remote: true, Unprocessed: true}
	}
	s := &stream{conn: c, ctx: ctx, window: c.Window}
	if s.window <= 0 {
		s.window = DefaultWindow
	}
	s.cond.L = &s.mu
	s.cs.s = s
	s.ss.s = s
	s.creq.Reset()
	s.creq.Proto = transport.HTTP2
	s.creq.RemoteAddr, s.creq.LocalAddr, s.creq.TLS = c.ServerAddr, c.ClientAddr, c.TLS
	c.streams[s] = struct{}{}
	if ctx.Done() != nil {
		s.stopCtx = context.AfterFunc(ctx, func() { s.reset(transport.Cancel, true) })
	}
	return &s.cs, nil
}

// Done is closed after GoAway or Close.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err reports why Done was closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Proto reports HTTP/2, the version the in-memory streams imitate.
func (c *Conn) Proto() transport.Proto { return transport.HTTP2 }

// GoAway makes the connection take no new streams, as a GOAWAY from the
// server does; streams in flight go on.
func (c *Conn) GoAway() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.goaway || c.closed {
		return
	}
	c.goaway = true
	c.err = ErrGoAway
	close(c.done)
}

// Close fails every stream in flight with transport.ErrConnClosed, as a
// lost connection does, and waits for their handlers to return.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.wg.Wait()
		return nil
	}
	c.closed = true
	if !c.goaway {
		c.err = transport.ErrConnClosed
		close(c.done)
	}
	streams := make([]*stream, 0, len(c.streams))
	for s := range c.streams {
		streams = append(streams, s)
	}
	c.mu.Unlock()
	for _, s := range streams {
		s.fail(transport.ErrConnClosed)
	}
	c.stopAll()
	c.wg.Wait()
	return nil
}

// Wait waits until every handler started so far has returned.
func (c *Conn) Wait() { c.wg.Wait() }

// Active reports how many streams are open (not yet Closed by the client).
func (c *Conn) Active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams)
}

func (c *Conn) remove(s *stream) {
	c.mu.Lock()
	delete(c.streams, s)
	c.mu.Unlock()
}

// stream is both ends of one exchange. One mutex guards all of it; cond is
// broadcast on every change, which is plenty for tests.
type stream struct {
	conn    *Conn
	ctx     context.Context
	stopCtx func() bool
	window  int

	cs clientStream
	ss serverStream

	mu   sync.Mutex
	cond sync.Cond

	creq     transport.Request // filled by the client
	headSent bool
	sreq     transport.Request // the server's copy
	srvCtx   context.Context
	srvStop  context.CancelFunc

	reqBuf      []byte
	reqClosed   bool
	reqTrailers transport.Header

	sresp        transport.Response // filled by the server
	respHeadSent bool
	cresp        transport.Response // the client's copy
	respBuf      []byte
	respClosed   bool
	ctrailers    transport.Header
	finished     bool

	isReset     bool
	rstCode     transport.Code
	rstByClient bool
	connErr     error
	closed      bool
}

// errFor returns the error a side sees after a reset. s.mu is held.
func (s *stream) errFor(client bool) error {
	if s.connErr != nil {
		return s.connErr
	}
	return &transport.StreamError{
		Code:        s.rstCode,
		Remote:      s.rstByClient != client,
		Unprocessed: client && !s.rstByClient && s.rstCode == transport.RefusedStream,
	}
}

func (s *stream) reset(code transport.Code, byClient bool) {
	s.mu.Lock()
	if s.isReset || (s.finished && s.reqClosed) {
		s.mu.Unlock()
		return
	}
	s.isReset = true
	s.rstCode = code
	s.rstByClient = byClient
	stop := s.srvStop
	s.cond.Broadcast()
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

func (s *stream) fail(err error) {
	s.mu.Lock()
	if s.isReset {
		s.mu.Unlock()
		return
	}
	s.isReset = true
	s.connErr = err
	stop := s.srvStop
	s.cond.Broadcast()
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// sendHead delivers the request head and starts the handler. s.mu is held.
func (s *stream) sendHead() error {
	if s.isReset {
		return s.errFor(true)
	}
	if s.headSent {
		return nil
	}
	s.headSent = true
	s.sreq.Reset()
	s.sreq.Proto = transport.HTTP2
	s.sreq.SetMethod(s.creq.Method())
	s.sreq.SetScheme(s.creq.Scheme())
	s.sreq.SetAuthority(s.creq.Authority())
	s.sreq.SetPath(s.creq.Path())
	s.sreq.Header.CopyFrom(&s.creq.Header)
	s.sreq.ContentLength = s.creq.ContentLength
	s.sreq.RemoteAddr, s.sreq.LocalAddr, s.sreq.TLS = s.conn.ClientAddr, s.conn.ServerAddr, s.conn.TLS
	s.srvCtx, s.srvStop = context.WithCancel(s.conn.baseCtx)
	s.conn.wg.Add(1)
	go s.serve()
	return nil
}

func (s *stream) serve() {
	defer s.conn.wg.Done()
	defer s.srvStop()
	s.conn.h.ServeStream(&s.ss)
	s.ss.Finish(nil)
}

// sendRespHead delivers the response head. s.mu is held.
func (s *stream) sendRespHead() {
	if s.respHeadSent {
		return
	}
	s.respHeadSent = true
	s.cresp.Reset()
	s.cresp.Status = s.sresp.Status
	if s.cresp.Status == 0 {
		s.cresp.Status = 200
	}
	s.cresp.Header.CopyFrom(&s.sresp.Header)
	s.cond.Broadcast()
}

// write appends p to buf, blocking while the window is full. peerDone
// reports that the other side ended the exchange. s.mu is held.
func write(s *stream, buf *[]byte, peerDone *bool, p []byte, client bool) (int, error) {
	n := 0
	for len(p) > 0 {
		for !s.isReset && !*peerDone && len(*buf) >= s.window {
			s.cond.Wait()
		}
		if s.isReset {
			return n, s.errFor(client)
		}
		if *peerDone {
			// The peer ended the stream (the server finished the response
			// while the request was open): HTTP/2 would answer with
			// RST_STREAM NO_ERROR (RFC 9113 §8.1).
			return n, &transport.StreamError{Code: transport.NoError, Remote: true}
		}
		k := min(len(p), s.window-len(*buf))
		*buf = append(*buf, p[:k]...)
		p = p[k:]
		n += k
		s.cond.Broadcast()
	}
	return n, nil
}

// read copies from buf; it returns -1 when the caller must wait. s.mu is
// held.
func read(s *stream, buf *[]byte, closed bool, p []byte, client bool) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(*buf) > 0 {
		n := copy(p, *buf)
		*buf = append((*buf)[:0], (*buf)[n:]...)
		s.cond.Broadcast()
		return n, nil
	}
	if s.isReset {
		return 0, s.errFor(client)
	}
	if closed {
		return 0, errEOF
	}
	return -1, nil
}
