package rpc

import (
	"context"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

var (
	errNoTrailers   = status.Error(codes.Internal, "server closed the stream without sending trailers")
	errNoResponse   = status.Error(codes.Internal, "cardinality violation: expected one response message, received none")
	errTwoResponses = status.Error(codes.Internal, "cardinality violation: expected one response message, received more")
)

// Invoke performs a unary call; generated clients call it.
func (cc *ClientConn) Invoke(ctx context.Context, method string, args, reply any, opts ...CallOption) error {
	if cc.unaryInt != nil {
		return cc.unaryInt(ctx, method, args, reply, cc, cc.invoker, opts...)
	}
	return cc.invoke(ctx, method, args, reply, opts...)
}

// clientCall is the pooled state of a unary call.
type clientCall struct {
	ci      callInfo
	mr      msgReader
	scratch []byte
}

var clientCalls = sync.Pool{New: func() any { return new(clientCall) }}

func (cc *ClientConn) callInfo(ci *callInfo, opts []CallOption) {
	ci.reset()
	for _, o := range cc.opts.callOpts {
		o.applyCall(ci)
	}
	for _, o := range opts {
		o.applyCall(ci)
	}
	if ci.codec == nil {
		ci.codec = ProtoCodec{}
	}
}

func (cc *ClientConn) invoke(ctx context.Context, method string, args, reply any, opts ...CallOption) error {
	call := clientCalls.Get().(*clientCall)
	defer clientCalls.Put(call)
	ci := &call.ci
	cc.callInfo(ci, opts)
	defer func() { ci.header, ci.trailer, ci.codec = nil, nil, nil }()
	var comp Compressor
	if ci.compressor != "" && ci.compressor != Identity {
		if comp = compressors[ci.compressor]; comp == nil {
			return status.Error(codes.Internal, "grpc: Compressor is not installed for requested grpc-encoding \""+ci.compressor+"\"")
		}
	}
	bp, err := marshalEnvelope(getBuf(0), ci.codec, args, comp, ci.maxSend)
	if err != nil {
		putBuf(bp)
		return err
	}
	// A request the server promised not to have processed (REFUSED_STREAM,
	// or above a GOAWAY's last stream) is retried once, transparently, as
	// gRPC's retry design allows for such streams.
	for attempt := 0; ; attempt++ {
		err = cc.unaryAttempt(ctx, call, method, comp, *bp, reply)
		if err == nil || attempt > 0 || !transport.IsUnprocessed(err) || ctx.Err() != nil {
			break
		}
	}
	putBuf(bp)
	return toStatus(ctx, err)
}

func (cc *ClientConn) unaryAttempt(ctx context.Context, call *clientCall, method string, comp Compressor, msg []byte, reply any) error {
	ci := &call.ci
	ref, err := cc.conn(ctx, ci.waitForReady)
	if err != nil {
		return err
	}
	defer ref.release()
	st, err := ref.tc.NewStream(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	call.scratch = cc.fillRequest(ctx, st.Request(), method, ci.codec, comp, call.scratch)
	_, werr := st.Write(msg)
	if werr == nil {
		werr = st.CloseSend(nil)
	}
	if werr != nil && transport.IsUnprocessed(werr) {
		return werr
	}
	// On another write error the server may have answered already (with
	// an error status, say): the response tells.
	resp, err := st.Response()
	if err != nil {
		return err
	}
	dc, stat, done := checkResponseHead(resp)
	if done {
		captureMD(ci, &resp.Header, &resp.Header, true)
		if stat == nil {
			return errNoResponse
		}
		return stat.Err()
	}
	if stat != nil {
		return stat.Err()
	}
	call.mr.reset()
	payload, bp, err := call.mr.next(st, ci.maxRecv, dc)
	if err == io.EOF {
		stat, err := trailerStatus(st)
		captureMD(ci, &resp.Header, st.Trailers(), false)
		if err != nil {
			return err
		}
		if stat != nil {
			return stat.Err()
		}
		return errNoResponse
	}
	if err != nil {
		return err
	}
	err = ci.codec.Unmarshal(payload, reply)
	if bp != nil {
		putBuf(bp)
	}
	if err != nil {
		return status.Error(codes.Internal, "grpc: failed to unmarshal the received message: "+err.Error())
	}
	if eof, err := call.mr.atEOF(st); !eof {
		if err == nil {
			return errTwoResponses
		}
		return err
	}
	stat, err = trailerStatus(st)
	captureMD(ci, &resp.Header, st.Trailers(), false)
	if err != nil {
		return err
	}
	return statusErr(stat)
}

func statusErr(st *status.Status) error {
	if st == nil {
		return nil
	}
	return st.Err()
}

// fillRequest writes the request head (PROTOCOL-HTTP2.md: Request-Headers →
// Call-Definition *Custom-Metadata).
func (cc *ClientConn) fillRequest(ctx context.Context, req *transport.Request, method string, codec Codec, comp Compressor, scratch []byte) []byte {
	req.SetMethodString("POST")
	req.SetSchemeString(cc.scheme)
	req.SetAuthorityString(cc.authority)
	req.SetPathString(method)
	h := &req.Header
	h.AddString(grpcHeaderContentType, requestContentType(codec))
	h.AddString(grpcHeaderTE, "trailers")
	h.AddString(grpcHeaderUserAgent, cc.userAgent)
	if dl, ok := ctx.Deadline(); ok {
		scratch = appendTimeout(scratch[:0], time.Until(dl))
		h.Add([]byte(grpcHeaderTimeout), scratch)
	}
	if comp != nil {
		h.AddString(grpcHeaderEncoding, comp.Name())
	}
	h.AddString(grpcHeaderAcceptEncoding, acceptEncoding)
	metadata.RangeOutgoing(ctx, func(k, v string) {
		scratch = appendMetadata(h, k, v, scratch)
	})
	return scratch
}

// checkResponseHead inspects a response head. done reports a Trailers-Only
// response, whose status is stat; otherwise a non-nil stat is the failure
// of a response that is not gRPC, and dc is the decompressor of the
// response's grpc-encoding.
func checkResponseHead(resp *transport.Response) (dc Compressor, stat *status.Status, done bool) {
	h := &resp.Header
	if st, ok := statusFromHeader(h); ok {
		return nil, st, true
	}
	if resp.Status != 0 && resp.Status != 200 {
		// doc/http-grpc-status-mapping.md: a response without grpc-status
		// came from an intermediary; its HTTP status decides the code.
		return nil, status.New(codes.FromHTTPStatus(resp.Status),
			"unexpected HTTP status code received from server: "+strconv.Itoa(resp.Status)), false
	}
	ct, _ := h.Get(grpcHeaderContentType)
	if _, ok := contentSubtype(ct); !ok {
		return nil, status.New(codes.Unknown, "malformed header: missing HTTP content-type"), false
	}
	if enc, ok := h.Get(grpcHeaderEncoding); ok && string(enc) != Identity {
		if dc = compressors[string(enc)]; dc == nil {
			return nil, status.New(codes.Internal, "grpc: Decompressor is not installed for grpc-encoding \""+string(enc)+"\""), false
		}
	}
	return dc, nil, false
}

// trailerStatus reads the status from the trailers once the body has
// ended.
func trailerStatus(st transport.ClientStream) (*status.Status, error) {
	s, ok := statusFromHeader(st.Trailers())
	if !ok {
		return nil, errNoTrailers
	}
	return s, nil
}

// captureMD fills the Header and Trailer call options' targets.
func captureMD(ci *callInfo, head, trailers *transport.Header, trailersOnly bool) {
	if ci.header != nil {
		if trailersOnly {
			*ci.header = metadata.MD{}
		} else {
			*ci.header = headerToMD(head, nil, false)
		}
	}
	if ci.trailer != nil {
		*ci.trailer = headerToMD(trailers, nil, false)
	}
}

// NewStream begins a streaming call; generated clients call it.
func (cc *ClientConn) NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	if cc.streamInt != nil {
		return cc.streamInt(ctx, desc, cc, method, cc.streamer, opts...)
	}
	return cc.newStream(ctx, desc, cc, method, opts...)
}

// clientStream is the client side of a streaming call.
type clientStream struct {
	cc     *ClientConn
	ctx    context.Context
	desc   *StreamDesc
	method string
	ci     callInfo
	comp   Compressor
	ref    *connRef
	st     transport.ClientStream

	sendMu  sync.Mutex
	sent    bool // CloseSend done
	closed  bool // the transport stream is released
	sendErr error
	sendBuf *[]byte

	headOnce     sync.Once
	resp         *transport.Response
	headErr      error
	trailersOnly bool
	dc           Compressor
	headerMD     metadata.MD

	recvMu  sync.Mutex
	mr      msgReader
	recvd   int
	doneErr error // io.EOF for OK
	ended   bool
	trailer metadata.MD

	finishOnce sync.Once
}

func (cc *ClientConn) newStream(ctx context.Context, desc *StreamDesc, _ ClientConnInterface, method string, opts ...CallOption) (ClientStream, error) {
	cs := &clientStream{cc: cc, ctx: ctx, desc: desc, method: method}
	cc.callInfo(&cs.ci, opts)
	if name := cs.ci.compressor; name != "" && name != Identity {
		if cs.comp = compressors[name]; cs.comp == nil {
			return nil, status.Error(codes.Internal, "grpc: Compressor is not installed for requested grpc-encoding \""+name+"\"")
		}
	}
	var err error
	for attempt := 0; ; attempt++ {
		err = cs.open()
		if err == nil || attempt > 0 || !transport.IsUnprocessed(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return cs, nil
}

func (cs *clientStream) open() error {
	ref, err := cs.cc.conn(cs.ctx, cs.ci.waitForReady)
	if err != nil {
		return err
	}
	st, err := ref.tc.NewStream(cs.ctx)
	if err != nil {
		ref.release()
		return err
	}
	cs.cc.fillRequest(cs.ctx, st.Request(), cs.method, cs.ci.codec, cs.comp, nil)
	if cs.desc.ClientStreams {
		// The client may not send for a while; the server should see the
		// call (and may answer headers) now, as with grpc-go. A call with
		// one request sends its head with that message instead.
		if err := st.Flush(); err != nil {
			st.Close()
			ref.release()
			return err
		}
	}
	cs.ref, cs.st = ref, st
	return nil
}

func (cs *clientStream) Context() context.Context { return cs.ctx }

// SendMsg sends m. A failure of the stream is reported as io.EOF, as in
// grpc-go: RecvMsg then returns the call's status.
func (cs *clientStream) SendMsg(m any) error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	if cs.sent {
		return status.Error(codes.Internal, "SendMsg called after CloseSend")
	}
	if cs.sendErr != nil || cs.closed {
		return io.EOF
	}
	if cs.sendBuf == nil {
		cs.sendBuf = getBuf(0)
	}
	var err error
	cs.sendBuf, err = marshalEnvelope(cs.sendBuf, cs.ci.codec, m, cs.comp, cs.ci.maxSend)
	if err != nil {
		// A message we cannot send ends the call, as grpc-go does;
		// RecvMsg then reports the cancellation.
		cs.sendErr = err
		cs.st.Cancel(transport.Cancel)
		return err
	}
	_, err = cs.st.Write(*cs.sendBuf)
	if cap(*cs.sendBuf) > 64<<10 {
		putBuf(cs.sendBuf)
		cs.sendBuf = nil
	}
	if err != nil {
		cs.sendErr = err
		return io.EOF
	}
	if !cs.desc.ClientStreams {
		// The one request: END_STREAM goes with it.
		cs.sent = true
		err = cs.st.CloseSend(nil)
	} else {
		err = cs.st.Flush()
	}
	if err != nil {
		cs.sendErr = err
		return io.EOF
	}
	return nil
}

// CloseSend closes the request side.
func (cs *clientStream) CloseSend() error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	if cs.sent || cs.closed {
		return nil
	}
	cs.sent = true
	if cs.sendErr == nil {
		if err := cs.st.CloseSend(nil); err != nil {
			cs.sendErr = err
		}
	}
	return nil
}

// waitHead waits for the response head once.
func (cs *clientStream) waitHead() error {
	cs.headOnce.Do(func() {
		resp, err := cs.st.Response()
		if err != nil {
			cs.headErr = toStatus(cs.ctx, err)
			return
		}
		cs.resp = resp
		dc, stat, done := checkResponseHead(resp)
		switch {
		case done:
			cs.trailersOnly = true
			cs.headErr = statusErr(stat)
			cs.trailer = headerToMD(&resp.Header, nil, false)
		case stat != nil:
			cs.headErr = stat.Err()
		default:
			cs.dc = dc
			cs.headerMD = headerToMD(&resp.Header, nil, false)
		}
	})
	return cs.headErr
}

// Header waits for the response headers.
func (cs *clientStream) Header() (metadata.MD, error) {
	err := cs.waitHead()
	if cs.trailersOnly {
		if err != nil {
			return nil, err
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cs.headerMD.Copy(), nil
}

// Trailer returns the trailers, complete once RecvMsg has returned an
// error.
func (cs *clientStream) Trailer() metadata.MD {
	cs.recvMu.Lock()
	defer cs.recvMu.Unlock()
	return cs.trailer
}

// RecvMsg receives the next message into m; at the end of the call it
// returns io.EOF for OK or the status error.
func (cs *clientStream) RecvMsg(m any) error {
	cs.recvMu.Lock()
	defer cs.recvMu.Unlock()
	if cs.ended {
		return cs.doneErr
	}
	if err := cs.waitHead(); err != nil || cs.trailersOnly {
		if err == nil {
			// A Trailers-Only OK: no messages.
			if !cs.desc.ServerStreams {
				err = errNoResponse
			} else {
				err = io.EOF
			}
		}
		return cs.end(err)
	}
	payload, bp, err := cs.mr.next(cs.st, cs.ci.maxRecv, cs.dc)
	if err == io.EOF {
		return cs.end(cs.trailerStatus())
	}
	if err != nil {
		return cs.end(toStatus(cs.ctx, err))
	}
	err = cs.ci.codec.Unmarshal(payload, m)
	if bp != nil {
		putBuf(bp)
	}
	if err != nil {
		err = status.Error(codes.Internal, "grpc: failed to unmarshal the received message: "+err.Error())
		cs.st.Cancel(transport.Cancel)
		return cs.end(err)
	}
	cs.recvd++
	if !cs.desc.ServerStreams {
		// One response: the call ends with it; its status decides.
		if eof, err := cs.mr.atEOF(cs.st); !eof {
			if err == nil {
				err = errTwoResponses
				cs.st.Cancel(transport.Cancel)
			} else {
				err = toStatus(cs.ctx, err)
			}
			return cs.end(err)
		}
		if err := cs.end(cs.trailerStatus()); err != io.EOF {
			return err
		}
	}
	return nil
}

// trailerStatus is the status at the end of the body: io.EOF for OK.
func (cs *clientStream) trailerStatus() error {
	cs.trailer = headerToMD(cs.st.Trailers(), nil, false)
	stat, ok := statusFromHeader(cs.st.Trailers())
	if !ok {
		return toStatus(cs.ctx, errNoTrailers)
	}
	if stat != nil {
		return stat.Err()
	}
	if !cs.desc.ServerStreams && cs.recvd == 0 {
		return errNoResponse
	}
	return io.EOF
}

// end records the call's outcome and releases the transport stream.
// cs.recvMu is held.
func (cs *clientStream) end(err error) error {
	cs.ended = true
	cs.doneErr = err
	cs.finish()
	return err
}

// finish releases the transport stream and the connection once. A writer
// blocked on flow control is woken by the reset first, so that taking
// sendMu cannot wait for ever; the reset is a no-op on a stream that has
// ended both ways.
func (cs *clientStream) finish() {
	cs.finishOnce.Do(func() {
		if cs.ci.header != nil {
			*cs.ci.header = cs.headerMD
		}
		if cs.ci.trailer != nil {
			*cs.ci.trailer = cs.trailer
		}
		cs.st.Cancel(transport.Cancel)
		cs.sendMu.Lock()
		cs.closed = true
		if cs.sendBuf != nil {
			putBuf(cs.sendBuf)
			cs.sendBuf = nil
		}
		cs.sendMu.Unlock()
		cs.st.Close()
		cs.ref.release()
		cs.mr.release()
	})
}
