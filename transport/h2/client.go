package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"net"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
)

// ClientConn is the client side of one HTTP/2 connection. It implements
// transport.ClientConn: streams are multiplexed up to the server's
// SETTINGS_MAX_CONCURRENT_STREAMS, past which NewStream waits (or fails,
// WithFailFast).
type ClientConn struct {
	c          *conn
	gone       chan struct{} // closed once no new streams will be taken
	goneErr    error
	isGone     bool
	readerDone chan struct{}
	// ready is closed once the server's preface, its first SETTINGS
	// frame, has been applied (under c.mu).
	ready       chan struct{}
	readyClosed bool
}

var _ transport.ClientConn = (*ClientConn)(nil)

var errNoH2 = errors.New("h2: server did not negotiate h2 over TLS")

// Dial connects to addr over TCP (TLS when WithTLSConfig is given, with
// ALPN "h2") and starts an HTTP/2 connection on it.
func Dial(ctx context.Context, addr string, opts ...Option) (*ClientConn, error) {
	cfg := newConfig(opts)
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg.tlsConfig != nil {
		conf := cfg.tlsConfig.Clone()
		conf.NextProtos = []string{"h2"}
		if conf.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			conf.ServerName = host
		}
		tc := tls.Client(nc, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		if tc.ConnectionState().NegotiatedProtocol != "h2" {
			tc.Close()
			return nil, errNoH2
		}
		nc = tc
	}
	return newClientConn(nc, cfg), nil
}

// NewClientConn starts an HTTP/2 connection over nc, which must already be
// set up (TLS handshake done, with ALPN "h2", or cleartext with prior
// knowledge). It sends the preface and returns without waiting for the
// server's.
func NewClientConn(nc net.Conn, opts ...Option) (*ClientConn, error) {
	return newClientConn(nc, newConfig(opts)), nil
}

func newClientConn(nc net.Conn, cfg config) *ClientConn {
	c := newConn(nc, &cfg, true)
	c.nextID = 1
	cc := &ClientConn{c: c, gone: make(chan struct{}), readerDone: make(chan struct{}), ready: make(chan struct{})}
	c.cc = cc
	c.start()
	go cc.readLoop()
	return cc
}

func (cc *ClientConn) readLoop() {
	defer close(cc.readerDone)
	c := cc.c
	err := c.readLoop()
	c.mu.Lock()
	c.readEndedLocked(err) // closing marks the connection gone
	c.mu.Unlock()
	<-c.writerDone
	c.nc.Close()
}

// goneLocked marks the connection as taking no new streams.
func (cc *ClientConn) goneLocked(err error) {
	if cc.isGone {
		return
	}
	cc.isGone = true
	cc.goneErr = err
	close(cc.gone)
	cc.c.slotCond.Broadcast()
}

// Done is closed when the connection takes no more streams: the server
// sent GOAWAY, the connection failed or is closing, its stream IDs ran out
// (RFC 9113 §5.1.1), or Close was called.
func (cc *ClientConn) Done() <-chan struct{} { return cc.gone }

// Ready is closed once the server's preface (RFC 9113 §3.4: its first
// SETTINGS frame) has arrived and been applied. Streams may start before
// it; but a connection that is Done before it is Ready never reached an
// HTTP/2 server (a TCP proxy with no backend, say), which grpc-go counts
// as a failed connection attempt rather than a connection.
func (cc *ClientConn) Ready() <-chan struct{} { return cc.ready }

// Err reports why Done was closed, or nil.
func (cc *ClientConn) Err() error {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	return cc.goneErr
}

// Proto returns transport.HTTP2.
func (cc *ClientConn) Proto() transport.Proto { return transport.HTTP2 }

// Close closes the connection at once; streams in flight fail.
func (cc *ClientConn) Close() error {
	c := cc.c
	c.mu.Lock()
	// At once, cutting short a linger already under way (closeLocked).
	c.closeLocked(transport.ErrConnClosed, closeNow)
	c.mu.Unlock()
	<-cc.readerDone
	return nil
}

// errUnprocessedRefused is a preallocated error for streams that never
// left: the request is safe to retry on another connection.
func unprocessed() error {
	return &transport.StreamError{Code: transport.RefusedStream, Unprocessed: true}
}

// NewStream reserves a stream. The stream takes its ID, and goes out, with
// the head on the first Write, Flush or CloseSend. When ctx ends, the
// stream is reset with CANCEL.
func (cc *ClientConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	c := cc.c
	c.mu.Lock()
	var stop func() bool
	for !cc.isGone && uint32(c.nOpen) >= c.peerMaxStreams {
		if c.cfg.failFast {
			c.mu.Unlock()
			return nil, unprocessed()
		}
		if err := ctx.Err(); err != nil {
			c.mu.Unlock()
			if stop != nil {
				stop()
			}
			return nil, err
		}
		if stop == nil && ctx.Done() != nil {
			stop = context.AfterFunc(ctx, func() {
				c.mu.Lock()
				c.slotCond.Broadcast()
				c.mu.Unlock()
			})
		}
		c.slotCond.Wait()
	}
	if stop != nil {
		stop()
	}
	if cc.isGone {
		c.mu.Unlock()
		return nil, unprocessed()
	}
	st := c.newStreamLocked()
	st.counted = true
	c.nOpen++
	st.req.Proto = transport.HTTP2
	st.req.RemoteAddr = c.remoteAddr
	st.req.LocalAddr = c.localAddr
	st.req.TLS = c.tlsState
	st.userCtx = ctx
	gen := st.gen
	c.mu.Unlock()
	if ctx.Done() != nil {
		st.stopCtx = context.AfterFunc(ctx, func() { st.cancelGen(gen, transport.Cancel) })
	}
	return (*clientStream)(st), nil
}

// assignIDLocked gives a client stream its ID as its head goes out, so IDs
// reach the server in increasing order (RFC 9113 §5.1.1).
func (c *conn) assignIDLocked(st *stream) error {
	if c.cc.isGone { // closing, GOAWAY, or the stream IDs used up
		// Nothing of the stream left: safe to retry elsewhere.
		st.markResetLocked(transport.StreamError{Code: transport.RefusedStream, Unprocessed: true})
		return st.errLocked()
	}
	st.id = c.nextID
	c.nextID += 2
	if c.nextID > maxWindow {
		// RFC 9113 §5.1.1: with the stream IDs used up, new streams
		// need a new connection; Done tells the caller so, and the
		// streams open here run to their end.
		c.cc.goneLocked(errStreamIDsExhausted)
	}
	c.streams[st.id] = st
	// The stream opens now, so its send window is the peer's initial window
	// in force now, not when NewStream made it: a SETTINGS change in
	// between was applied only to streams in the map (RFC 9113 §6.9.2), and
	// the peer counts this stream's window from the new value. The same
	// holds for the receive window, which a BDP estimate may have grown in
	// between: the peer applies our SETTINGS to this stream too.
	st.sendWin = c.peerInitialWindow
	st.recvWin = c.streamWindow
	return nil
}

func (c *conn) onResponseHeaders(f *frames.Frame) error {
	id := f.StreamID
	c.mu.Lock()
	st := c.streams[id]
	kind := blockDiscard
	if st == nil {
		if c.idleLocked(id) {
			c.mu.Unlock()
			return errIdleStream
		}
	} else if !st.headRecv {
		kind = blockResponse
	} else {
		kind = blockTrailers
	}
	c.mu.Unlock()
	c.scratch.Reset()
	tooLarge, err := c.decode(kind, nil, &c.scratch, f.Data)
	if err != nil {
		return err
	}
	if kind == blockDiscard {
		return nil // a stream we already closed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st = c.streams[id]; st == nil {
		return nil
	}
	if st.recvEnded {
		st.resetLocked(frames.ErrCodeStreamClosed)
		return nil
	}
	if tooLarge || c.hd.bad {
		st.resetLocked(frames.ErrCodeProtocol)
		return nil
	}
	if kind == blockTrailers {
		// RFC 9113 §8.1: trailers end the stream.
		if !f.StreamEnded() {
			st.resetLocked(frames.ErrCodeProtocol)
			return nil
		}
		if st.contentLen >= 0 && st.recvTotal != st.contentLen {
			st.resetLocked(frames.ErrCodeProtocol)
			return nil
		}
		st.rtrailers.CopyFrom(&c.scratch)
		st.recvEndedLocked()
		return nil
	}
	if !c.hd.finishResponse() {
		st.resetLocked(frames.ErrCodeProtocol)
		return nil
	}
	status := c.hd.status
	if status < 200 {
		// RFC 9113 §8.1: interim responses precede the final one and do
		// not end the stream. §8.6: HTTP/2 has no 101 (Switching
		// Protocols); a response with it is malformed.
		if f.StreamEnded() || status == 101 {
			st.resetLocked(frames.ErrCodeProtocol)
		}
		return nil
	}
	// RFC 9113 §8.1.1: content-length must equal the DATA that follows,
	// except in responses defined to have no content: to HEAD, and 204
	// and 304, whose content-length describes the resource.
	contentLen := c.hd.contentLength
	if string(st.req.Method()) == "HEAD" || status == 204 || status == 304 {
		contentLen = -1
	}
	if f.StreamEnded() && contentLen > 0 {
		st.resetLocked(frames.ErrCodeProtocol)
		return nil
	}
	st.resp.Status = status
	st.resp.Header.CopyFrom(&c.scratch)
	st.headRecv = true
	st.contentLen = contentLen
	st.cond.Broadcast()
	if f.StreamEnded() {
		st.recvEndedLocked()
	}
	return nil
}

// clientStream is a stream as the caller of NewStream sees it.
type clientStream stream

var _ transport.ClientStream = (*clientStream)(nil)

func (s *clientStream) Request() *transport.Request { return &s.req }

func (s *clientStream) Write(p []byte) (int, error) { return (*stream)(s).write(p) }

func (s *clientStream) Flush() error { return (*stream)(s).flush() }

func (s *clientStream) CloseSend(trailers *transport.Header) error {
	return (*stream)(s).finish(trailers)
}

// Response waits for the response head.
func (s *clientStream) Response() (*transport.Response, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for !s.headRecv {
		if s.rst {
			return nil, (*stream)(s).errLocked()
		}
		if !s.headSent {
			if err := (*stream)(s).sendHeadLocked(false); err != nil {
				return nil, err
			}
			c.wakeWriterLocked()
		}
		s.cond.Wait()
	}
	return &s.resp, nil
}

func (s *clientStream) Read(p []byte) (int, error) {
	if _, err := s.Response(); err != nil {
		return 0, err
	}
	return (*stream)(s).read(p)
}

func (s *clientStream) Trailers() *transport.Header { return &s.rtrailers }

func (s *clientStream) Cancel(code transport.Code) { (*stream)(s).cancel(code) }

// Close releases the stream, resetting it with CANCEL if it has not ended.
func (s *clientStream) Close() {
	st := (*stream)(s)
	if st.stopCtx != nil {
		st.stopCtx()
	}
	c := st.c
	c.mu.Lock()
	if !st.closed {
		if st.id == 0 {
			st.markResetLocked(transport.StreamError{Code: transport.Cancel})
		} else {
			st.resetLocked(frames.ErrCodeCancel)
		}
	}
	st.handlerDone = true
	c.maybeRecycleLocked(st)
	c.mu.Unlock()
}
