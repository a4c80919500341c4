package rpc

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// serverCall is the state of one call on the server. It is pooled, and it
// is the call's context.Context and its ServerStream at once, so a call
// costs no allocation for either; the dec function handed to unary
// handlers is bound once, when the pool makes the struct.
//
// As a stream, like the transport stream under it, a serverCall is valid
// until the handler returns, which is grpc-go's rule for streams too. As a
// context it stays valid after that for whoever took its Done channel or
// derived a context from it (context.WithCancel, WithTimeout, AfterFunc):
// those retire it (see retire). A context on which only Err or Value was
// called goes back to the pool and must not be used after the return.
type serverCall struct {
	srv    *Server
	st     transport.ServerStream
	mi     *methodInfo
	codec  Codec
	respCT string

	// parent is the stream's context, or one with the grpc-timeout
	// deadline derived from it.
	parent       context.Context
	cancel       context.CancelFunc
	stopDeadline func() bool

	recvComp   Compressor
	sendComp   Compressor // for the next message; nil: identity
	headerComp Compressor // announced in grpc-encoding

	dec    func(any) error
	mr     msgReader
	req    []byte  // the unary request's payload
	reqBuf *[]byte // its pooled buffer, when not a view into mr

	// sendBuf is where SendMsg marshals; a pooled call keeps it, up to
	// maxKeptSendBuf.
	sendBuf *[]byte
	recvd   int

	headerSent bool
	finished   bool
	header     metadata.MD
	trailer    metadata.MD
	trailers   transport.Header
	scratch    []byte

	// lazyMu guards what the context builds the first time a handler
	// asks, from whichever goroutine it asks on, and the switch from the
	// stream's request to goneReq (see requestLocked).
	lazyMu sync.Mutex
	inMD   metadata.MD
	peer   *peer.Peer
	// goneReq is the request once retire has let go of the stream.
	goneReq transport.Request

	// mu and gen make the deadline timer safe against the call's reuse:
	// a timer that fires late sees another generation and does nothing.
	mu    sync.Mutex
	gen   uint64
	ended bool

	// retired: the context was asked for Done or AfterFunc, as
	// context.WithCancel, WithTimeout and AfterFunc do, so code may watch
	// it after the handler returns: release keeps it answering and out
	// of the pool.
	retired atomic.Bool
}

// maxKeptSendBuf bounds the send buffer a pooled call keeps, so that one
// large response does not pin its buffer in the pool for good.
const maxKeptSendBuf = 16 << 10

var serverCalls = sync.Pool{New: func() any {
	c := new(serverCall)
	c.dec = c.decode
	return c
}}

func getServerCall() *serverCall { return serverCalls.Get().(*serverCall) }

var (
	_ context.Context = (*serverCall)(nil)
	_ ServerStream    = (*serverCall)(nil)
)

// earlyError is a failure before the handler runs, with the HTTP status
// grpc-go answers it with.
type earlyError struct {
	httpStatus int
	st         *status.Status
}

func (e *earlyError) Error() string { return e.st.String() }

func (e *earlyError) GRPCStatus() *status.Status { return e.st }

func (c *serverCall) init(s *Server, st transport.ServerStream, mi *methodInfo, codec Codec, sub []byte) error {
	c.mu.Lock()
	c.ended = false
	c.mu.Unlock()
	c.srv, c.st, c.mi, c.codec = s, st, mi, codec
	c.respCT = responseContentType(sub, codec)
	c.parent = st.Context()
	h := &st.Request().Header
	if v, ok := h.Get(grpcHeaderEncoding); ok && string(v) != Identity {
		comp := compressors[string(v)]
		if comp == nil {
			// PROTOCOL-HTTP2.md: an unsupported grpc-encoding fails with
			// UNIMPLEMENTED, and grpc-accept-encoding lists what we take.
			st.Response().Header.AddString(grpcHeaderAcceptEncoding, acceptEncoding)
			return status.Error(codes.Unimplemented, "grpc: Decompressor is not installed for grpc-encoding \""+string(v)+"\"")
		}
		// grpc-go answers in the encoding the client used.
		c.recvComp, c.sendComp = comp, comp
	}
	if v, ok := h.Get(grpcHeaderTimeout); ok {
		d, ok := parseTimeout(v)
		if !ok {
			return &earlyError{400, status.New(codes.Internal, "malformed grpc-timeout: "+string(v))}
		}
		c.startDeadline(d)
		if c.parent.Err() != nil {
			return status.Error(codes.DeadlineExceeded, context.DeadlineExceeded.Error())
		}
	}
	return nil
}

// startDeadline derives the call's context from grpc-timeout and, as
// grpc-go does, resets the stream with CANCEL when the deadline passes
// while the handler still runs (PROTOCOL-HTTP2.md: the server may reset
// the stream once the deadline is exceeded). This path allocates; calls
// without a timeout do not take it.
func (c *serverCall) startDeadline(d time.Duration) {
	ctx, cancel := context.WithTimeout(c.parent, d)
	c.parent, c.cancel = ctx, cancel
	gen, st := c.gen, c.st
	c.stopDeadline = context.AfterFunc(ctx, func() {
		if ctx.Err() != context.DeadlineExceeded {
			return
		}
		c.mu.Lock()
		if c.gen == gen && !c.ended {
			st.Reset(transport.Cancel)
		}
		c.mu.Unlock()
	})
}

// release ends the call's life and returns it to the pool, unless its
// context is retired.
func (c *serverCall) release() {
	c.mu.Lock()
	c.ended = true
	c.gen++
	c.mu.Unlock()
	if c.stopDeadline != nil {
		c.stopDeadline()
		c.stopDeadline = nil
	}
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	if c.reqBuf != nil {
		putBuf(c.reqBuf)
	}
	c.req, c.reqBuf = nil, nil
	if c.retired.Load() {
		c.retire()
		return
	}
	if c.sendBuf != nil && cap(*c.sendBuf) > maxKeptSendBuf {
		putBuf(c.sendBuf)
		c.sendBuf = nil
	}
	c.mr.reset()
	c.srv, c.st, c.mi, c.codec, c.parent = nil, nil, nil, nil, nil
	c.recvComp, c.sendComp, c.headerComp = nil, nil, nil
	c.recvd = 0
	c.headerSent, c.finished = false, false
	c.header, c.trailer, c.inMD, c.peer = nil, nil, nil, nil
	c.trailers.Reset()
	if cap(c.scratch) > 4<<10 {
		c.scratch = nil
	}
	serverCalls.Put(c)
}

// retire ends the life of a call whose context may be watched after the
// handler returned. A context derived from it (context.WithCancel and the
// rest) asks it for Err and Cause when the call ends, which is after
// release, and for Deadline and Value whenever its holder likes; a handler
// may hand one to work that outlives it, which may read the call's
// metadata, peer or method. So the call keeps its parent (the stream's
// context, which the same Done or AfterFunc retired in turn, or the
// deadline context over it) and a copy of the request, lets go of the
// stream and its buffers, and stays out of the pool. Calls whose context
// was asked for Done or AfterFunc (deriving a context, or passing it to an
// outbound call, does) pay for it: a new call from the pool next time and
// the request's copy, about five allocations.
func (c *serverCall) retire() {
	c.lazyMu.Lock()
	c.goneReq.CopyFrom(c.st.Request())
	c.st = nil
	c.lazyMu.Unlock()
	c.mr.release()
	if c.sendBuf != nil {
		putBuf(c.sendBuf)
		c.sendBuf = nil
	}
	c.srv, c.mi, c.codec = nil, nil, nil
}

// Deadline, Done, Err and Value make serverCall the call's context.
func (c *serverCall) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *serverCall) Err() error                  { return c.parent.Err() }

// Done retires the call (see retire): whoever asks for the channel may
// hold it, and the context, past the handler's return.
func (c *serverCall) Done() <-chan struct{} {
	if !c.retired.Load() {
		c.retired.Store(true)
	}
	return c.parent.Done()
}

// AfterFunc lets context.WithCancel and friends derive from the call's
// context without a goroutine each (the context package uses this method
// when the parent has it; otherwise each derived context starts one that
// watches the parent), and retires the call like Done.
func (c *serverCall) AfterFunc(f func()) (stop func() bool) {
	c.retired.Store(true)
	if a, ok := c.parent.(interface{ AfterFunc(func()) func() bool }); ok {
		return a.AfterFunc(f)
	}
	return context.AfterFunc(c.parent, f)
}

func (c *serverCall) Value(key any) any {
	switch key {
	case incomingMDKey:
		return c.incomingMD()
	case peerKey:
		if p := c.peerInfo(); p != nil {
			return p
		}
		// The transport knows no addresses: a Peer the stream's own
		// context carries (peer.NewContext by a custom transport or a
		// test) answers, if any.
	case serverCallKey{}:
		return c
	}
	return c.parent.Value(key)
}

// requestLocked returns the call's request: the stream's while the call
// runs, the copy retire keeps after. Under lazyMu, since code holding a
// derived context may ask while the call retires.
func (c *serverCall) requestLocked() *transport.Request {
	if c.st == nil {
		return &c.goneReq
	}
	return c.st.Request()
}

// method, draining and acceptEncoding answer Method, Draining and
// ClientSupportedCompressors.
func (c *serverCall) method() string {
	c.lazyMu.Lock()
	defer c.lazyMu.Unlock()
	return string(c.requestLocked().Path())
}

func (c *serverCall) draining() <-chan struct{} {
	c.lazyMu.Lock()
	defer c.lazyMu.Unlock()
	return c.requestLocked().Draining
}

func (c *serverCall) acceptEncoding() (string, bool) {
	c.lazyMu.Lock()
	defer c.lazyMu.Unlock()
	v, ok := c.requestLocked().Header.Get(grpcHeaderAcceptEncoding)
	return string(v), ok
}

// incomingMD builds the request metadata the first time a handler asks,
// so calls that never look at it build no map.
func (c *serverCall) incomingMD() metadata.MD {
	c.lazyMu.Lock()
	defer c.lazyMu.Unlock()
	if c.inMD == nil {
		req := c.requestLocked()
		c.inMD = headerToMD(&req.Header, req.Authority(), true)
	}
	return c.inMD
}

// peerInfo builds the call's Peer the first time a handler asks, so calls
// that never ask allocate none. Each call gets a Peer of its own, which a
// handler may keep after it returns, unlike the call's context. It is nil
// when the transport knows nothing of the connection.
func (c *serverCall) peerInfo() *peer.Peer {
	c.lazyMu.Lock()
	defer c.lazyMu.Unlock()
	if c.peer == nil {
		req := c.requestLocked()
		if req.RemoteAddr == nil && req.LocalAddr == nil && req.TLS == nil {
			return nil
		}
		c.peer = &peer.Peer{Addr: req.RemoteAddr, LocalAddr: req.LocalAddr, TLS: req.TLS}
	}
	return c.peer
}

// Context returns the call's context, c itself.
func (c *serverCall) Context() context.Context { return c }

func (c *serverCall) runUnary() {
	payload, bp, err := c.recvOne()
	if err != nil {
		c.finish(err)
		return
	}
	c.req, c.reqBuf = payload, bp
	resp, err := c.mi.unary(c.mi.srv, c, c.dec, c.srv.unaryInt)
	if err == nil {
		// Finish follows at once and sends everything queued, so the
		// response needs no flush of its own.
		err = c.sendMsg(resp, false)
	}
	c.finish(err)
}

func (c *serverCall) runStream(mi *methodInfo, h StreamHandler) {
	var err error
	if c.srv.streamInt != nil {
		err = c.srv.streamInt(mi.srv, c, &mi.sinfo, h)
	} else {
		err = h(mi.srv, c)
	}
	c.finish(err)
}

// decode is the dec a unary handler gets: it unmarshals the request read
// before the handler ran.
func (c *serverCall) decode(m any) error {
	if c.req == nil {
		return errNoRequest
	}
	if err := c.codec.Unmarshal(c.req, m); err != nil {
		return status.Error(codes.Internal, "grpc: error unmarshalling request: "+err.Error())
	}
	return nil
}

var (
	errNoRequest    = status.Error(codes.Unimplemented, "grpc: expected one request message, received none")
	errTwoRequests  = status.Error(codes.Unimplemented, "grpc: expected one request message, received more")
	errHeaderSent   = status.Error(codes.Internal, "rpc: headers already sent")
	errCallFinished = status.Error(codes.Internal, "rpc: the call has ended")
	okStatus        = status.New(codes.OK, "")
)

// recvOne reads the single request message of a unary or server-streaming
// call and checks that the client ended its side after it. Zero or two
// messages fail the call with UNIMPLEMENTED, which the Connect conformance
// suite requires of gRPC servers.
func (c *serverCall) recvOne() (payload []byte, bp *[]byte, err error) {
	payload, bp, err = c.mr.next(c.st, c.srv.opts.maxRecv, c.recvComp)
	if err == io.EOF {
		return nil, nil, errNoRequest
	}
	if err != nil {
		return nil, nil, c.recvErr(err)
	}
	if eof, err := c.mr.atEOF(c.st); !eof {
		if bp != nil {
			putBuf(bp)
		}
		if err == nil {
			return nil, nil, errTwoRequests
		}
		return nil, nil, c.recvErr(err)
	}
	return payload, bp, nil
}

func (c *serverCall) recvErr(err error) error {
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err
	}
	return toStatus(c.parent, err)
}

// RecvMsg receives the next request message into m.
func (c *serverCall) RecvMsg(m any) error {
	var payload []byte
	var bp *[]byte
	var err error
	if !c.mi.sinfo.IsClientStream {
		if c.recvd > 0 {
			return io.EOF
		}
		payload, bp, err = c.recvOne()
	} else {
		payload, bp, err = c.mr.next(c.st, c.srv.opts.maxRecv, c.recvComp)
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			err = c.recvErr(err)
		}
	}
	if err != nil {
		return err
	}
	c.recvd++
	err = c.codec.Unmarshal(payload, m)
	if bp != nil {
		putBuf(bp)
	}
	if err != nil {
		return status.Error(codes.Internal, "grpc: failed to unmarshal the received message: "+err.Error())
	}
	return nil
}

// SendMsg sends m as a response message, sending the headers first if
// they have not gone yet.
func (c *serverCall) SendMsg(m any) error { return c.sendMsg(m, true) }

// sendMsg sends m and, with flush, asks the transport to send it now
// rather than when its buffer fills: a streamed message must not wait for
// the next one. The transport's writer coalesces flushes that come faster
// than it writes, so a busy stream still goes out in large writes.
func (c *serverCall) sendMsg(m any, flush bool) error {
	if c.finished {
		return errCallFinished
	}
	// One buffer for all the call's messages (and, kept with the pooled
	// call, the next calls'): a streaming handler's SendMsg then costs no
	// pool round trips.
	if c.sendBuf == nil {
		c.sendBuf = getBuf(0)
	}
	bp, err := marshalEnvelope(c.sendBuf, c.codec, m, c.sendComp, c.srv.opts.maxSend)
	c.sendBuf = bp
	if err != nil {
		return err
	}
	if !c.headerSent {
		c.writeHeader()
	}
	_, err = c.st.Write(*bp) // copies: the buffer is ours again on return
	if err == nil && flush {
		err = c.st.Flush()
	}
	if err != nil {
		return toStatus(c.parent, err)
	}
	return nil
}

// writeHeader fills the response head; the transport sends it with the
// first body bytes or on Flush.
func (c *serverCall) writeHeader() {
	h := &c.st.Response().Header
	h.AddString(grpcHeaderContentType, c.respCT)
	if c.sendComp != nil {
		h.AddString(grpcHeaderEncoding, c.sendComp.Name())
		c.headerComp = c.sendComp
	}
	for k, vs := range c.header {
		for _, v := range vs {
			c.scratch = appendMetadata(h, k, v, c.scratch)
		}
	}
	c.headerSent = true
}

// finish ends the call with err's status (OK when nil). With nothing sent
// it is a Trailers-Only response (PROTOCOL-HTTP2.md: Response →
// (Response-Headers *Length-Prefixed-Message Trailers) / Trailers-Only).
func (c *serverCall) finish(err error) {
	if c.finished {
		return
	}
	c.finished = true
	st := okStatus
	if err != nil {
		st = status.Convert(err)
	}
	if !c.headerSent && len(c.header) == 0 {
		h := &c.st.Response().Header
		h.AddString(grpcHeaderContentType, c.respCT)
		c.scratch = appendStatus(h, st, c.scratch)
		for k, vs := range c.trailer {
			for _, v := range vs {
				c.scratch = appendMetadata(h, k, v, c.scratch)
			}
		}
		c.st.Finish(nil)
		return
	}
	if !c.headerSent {
		c.writeHeader()
	}
	c.trailers.Reset()
	c.scratch = appendStatus(&c.trailers, st, c.scratch)
	for k, vs := range c.trailer {
		for _, v := range vs {
			c.scratch = appendMetadata(&c.trailers, k, v, c.scratch)
		}
	}
	c.st.Finish(&c.trailers)
}

// SetHeader adds md to the response headers.
func (c *serverCall) SetHeader(md metadata.MD) error {
	if c.headerSent || c.finished {
		return errHeaderSent
	}
	if len(md) == 0 {
		return nil
	}
	if c.header == nil {
		c.header = make(metadata.MD, len(md))
	}
	for k, v := range md {
		c.header[k] = append(c.header[k], v...)
	}
	return nil
}

// SendHeader sends the response headers, with md added, now.
func (c *serverCall) SendHeader(md metadata.MD) error {
	if err := c.SetHeader(md); err != nil {
		return err
	}
	c.writeHeader()
	if err := c.st.Flush(); err != nil {
		return toStatus(c.parent, err)
	}
	return nil
}

// SetTrailer adds md to the trailers.
func (c *serverCall) SetTrailer(md metadata.MD) {
	if len(md) == 0 || c.finished {
		return
	}
	if c.trailer == nil {
		c.trailer = make(metadata.MD, len(md))
	}
	for k, v := range md {
		c.trailer[k] = append(c.trailer[k], v...)
	}
}
