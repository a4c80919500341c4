package h2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
)

// stream is one HTTP/2 stream, either side. It is pooled per connection
// with all its storage: request, response, trailers and the body buffers.
// Its fields are guarded by the connection's mutex; cond (on that mutex)
// wakes a goroutine blocked in Read, Write or Response.
//
// States (RFC 9113 §5.1) map onto flags: open is !recvEnded && !sendEnded,
// half-closed (remote) is recvEnded, half-closed (local) is sendEnded, and
// closed is closed (both ended, or reset either way).
type stream struct {
	c    *conn
	id   uint32
	cond sync.Cond
	// gen counts the stream's uses, so that a late callback (a client
	// context's AfterFunc) cannot reset the stream's next use.
	gen uint32

	counted   bool // holds a concurrency slot
	headSent  bool // our head (request or response) is queued
	endQueued bool // Finish or CloseSend was called
	sendEnded bool // END_STREAM is queued
	recvEnded bool // the peer's END_STREAM arrived
	headRecv  bool // client: the final response head arrived
	closed    bool // closed state: out of c.streams
	rst       bool // reset, either way, or failed with the connection
	// cancelled: a client stream we cancelled after it closed; its unread
	// bytes were dropped, so Read reports the cancel, not io.EOF.
	cancelled  bool
	cancelCode transport.Code
	err        transport.StreamError
	connErr    error // set when the connection failed
	// handlerDone: the server's handler returned, or the client called
	// Close; the stream may be recycled once also closed.
	handlerDone bool
	recycled    bool
	// rstAfterEnd: the handler returned before the request ended; once
	// our END_STREAM is out, RST_STREAM NO_ERROR tells the client to stop
	// sending (RFC 9113 §8.1).
	rstAfterEnd bool

	// Send side.
	sendWin     int64
	sbuf        []byte // body bytes waiting for the writer: sbuf[soff:]
	soff        int
	trailers    transport.Header // trailers to send after sbuf
	hasTrailers bool
	writeWait   bool
	inActive    bool
	next, prev  *stream

	// Receive side.
	rq          recvQueue // received body bytes
	recvWin     int64
	recvUnacked int64
	contentLen  int64 // declared content-length, -1 if none
	recvTotal   int64

	req       transport.Request
	resp      transport.Response
	rtrailers transport.Header

	ctx *streamCtx
	// stopCtx detaches a client stream from its caller's context.
	stopCtx func() bool
	userCtx context.Context
}

// resetForReuse empties the stream for its next use, keeping its storage.
func (st *stream) resetForReuse() {
	st.id = 0
	st.gen++
	st.counted, st.headSent, st.endQueued, st.sendEnded = false, false, false, false
	st.recvEnded, st.headRecv, st.closed, st.rst, st.cancelled = false, false, false, false, false
	st.err = transport.StreamError{}
	st.connErr = nil
	st.handlerDone, st.rstAfterEnd = false, false
	st.recycled = true
	if cap(st.sbuf) > maxKeepBuf {
		st.sbuf = nil
	}
	st.sbuf, st.soff = st.sbuf[:0], 0
	st.trailers.Reset()
	st.hasTrailers, st.writeWait = false, false
	st.dropRecvLocked()
	st.recvUnacked, st.recvTotal = 0, 0
	st.contentLen = -1
	st.req.Reset()
	st.resp.Reset()
	st.rtrailers.Reset()
	st.ctx = st.ctx.reuse()
	st.stopCtx = nil
	st.userCtx = nil
}

// errLocked returns the error stream operations report after a reset. It
// is a copy: the stream's own memory is recycled.
func (st *stream) errLocked() error {
	if st.connErr != nil {
		return st.connErr
	}
	e := st.err
	return &e
}

// errConnEOF is what the streams of a connection the peer closed report:
// the connection's io.EOF must not reach a Read, where it would pass for
// the end of the body (END_STREAM) and the stream would look complete.
var errConnEOF = fmt.Errorf("%w by the peer", transport.ErrConnClosed)

// failLocked ends the stream because the connection failed.
func (st *stream) failLocked(err error) {
	if st.closed && st.rst {
		return
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		// Also the end of the connection inside a frame.
		err = errConnEOF
	}
	st.connErr = err
	st.markResetLocked(transport.StreamError{Code: transport.Cancel, Remote: true})
}

// markResetLocked moves the stream to closed after a reset (sent or
// received) and wakes its goroutines.
func (st *stream) markResetLocked(e transport.StreamError) {
	if !st.rst {
		st.rst = true
		st.err = e
	}
	st.sbuf, st.soff = st.sbuf[:0], 0
	if !st.recvEnded && (!st.c.client || !e.Remote) {
		// The request will never be complete, so what its handler has
		// not read is of no use: Read reports the reset from now on.
		// Dropping it here rather than when the handler returns keeps a
		// handler that does not watch its context from holding the
		// connection's buffered cap. The same goes for a response whose
		// caller cancelled: the caller may never read or Close again
		// (grpc-go's contract lets it just cancel the context). A
		// response the peer reset or the connection cut stays readable
		// up to the error, as in grpc-go, and a complete body stays
		// readable (RFC 9113 §8.1 lets a server reset a stream after a
		// complete response).
		st.dropRecvLocked()
	}
	st.c.unlinkActiveLocked(st)
	st.cond.Broadcast()
	// Cancel before closing: closing may recycle the stream, context
	// included.
	st.ctx.cancel(context.Canceled)
	st.closeLocked()
}

// resetLocked resets the stream from our side with code (RST_STREAM).
func (st *stream) resetLocked(code frames.ErrCode) {
	if st.closed {
		return
	}
	c := st.c
	if st.id != 0 {
		c.wbuf = frames.AppendRSTStream(c.wbuf, st.id, code)
		c.wakeWriterLocked()
	}
	st.markResetLocked(transport.StreamError{Code: transport.Code(code)})
}

// closeLocked moves the stream to the closed state: out of the stream map,
// its concurrency slot given back.
func (st *stream) closeLocked() {
	if st.closed {
		return
	}
	c := st.c
	st.closed = true
	if st.id != 0 && c.streams[st.id] == st {
		delete(c.streams, st.id)
		if !c.client {
			c.recordClosedLocked(st)
		}
	}
	if st.counted {
		st.counted = false
		c.nOpen--
		if c.client {
			c.slotCond.Signal()
		}
	}
	c.unlinkActiveLocked(st)
	c.maybeRecycleLocked(st)
	c.streamClosedLocked()
}

// sendEndedLocked records that END_STREAM is queued.
func (st *stream) sendEndedLocked() {
	st.sendEnded = true
	if st.recvEnded {
		st.closeLocked()
		return
	}
	if st.rstAfterEnd {
		st.resetLocked(frames.ErrCodeNo)
	}
}

// resetAfterEndLocked resets the stream with NO_ERROR once our END_STREAM
// is out: the response is complete and we want no more of the request
// (RFC 9113 §8.1).
func (st *stream) resetAfterEndLocked() {
	if st.sendEnded {
		st.resetLocked(frames.ErrCodeNo)
	} else {
		st.rstAfterEnd = true
	}
}

// recvEndedLocked records the peer's END_STREAM.
func (st *stream) recvEndedLocked() {
	st.recvEnded = true
	st.cond.Broadcast()
	if st.sendEnded {
		st.closeLocked()
	}
}

// appendEndLocked queues the end of our side: the trailers, or an empty
// DATA frame with END_STREAM.
func (st *stream) appendEndLocked() {
	c := st.c
	if st.hasTrailers {
		c.hbuf = appendFields(c.enc, c.hbuf[:0], &st.trailers)
		c.wbuf = frames.AppendHeaders(c.wbuf, st.id, true, c.hbuf, c.peerMaxFrame)
	} else {
		c.wbuf = frames.AppendData(c.wbuf, st.id, true, nil)
	}
	c.pingsFree = true // grpc-go counts its status (trailers) too
	st.sendEndedLocked()
}

// writableLocked reports why the stream cannot send, if it cannot.
func (st *stream) writableLocked() error {
	if st.rst {
		return st.errLocked()
	}
	if st.endQueued {
		return errStreamEnded
	}
	if st.c.closing {
		return st.c.err
	}
	return nil
}

// read implements Read for both sides.
func (st *stream) read(p []byte) (int, error) {
	c := st.c
	c.mu.Lock()
	for {
		if st.rq.len() > 0 {
			n := st.rq.read(p)
			st.creditLocked(int64(n))
			c.connCreditLocked()
			c.mu.Unlock()
			return n, nil
		}
		if st.cancelled {
			c.mu.Unlock()
			return 0, &transport.StreamError{Code: st.cancelCode}
		}
		if st.recvEnded {
			c.mu.Unlock()
			return 0, io.EOF
		}
		if st.rst {
			err := st.errLocked()
			c.mu.Unlock()
			return 0, err
		}
		if len(p) == 0 {
			c.mu.Unlock()
			return 0, nil
		}
		st.cond.Wait()
	}
}

// creditLocked gives back the flow-control credit of n consumed bytes,
// batching WINDOW_UPDATE frames: one per quarter of the window rather
// than one per DATA frame.
func (st *stream) creditLocked(n int64) {
	if st.recvEnded || st.rst {
		return
	}
	st.recvUnacked += n
	c := st.c
	if st.recvUnacked >= c.streamWindow/4 {
		c.wbuf = frames.AppendWindowUpdate(c.wbuf, st.id, uint32(st.recvUnacked))
		st.recvWin += st.recvUnacked
		st.recvUnacked = 0
		c.wakeWriterLocked()
	}
}

// dropRecvLocked drops the unread body bytes, and sends the connection
// credit that the buffered cap may have held back for them.
func (st *stream) dropRecvLocked() {
	n := st.rq.len()
	st.rq.reset()
	if n > 0 {
		st.c.connCreditLocked()
	}
}

// sendHeadLocked queues our head if it is not out yet. The client's head
// also takes the stream ID here, so IDs go out in order (RFC 9113 §5.1.1).
func (st *stream) sendHeadLocked(end bool) error {
	if st.headSent {
		return nil
	}
	c := st.c
	// The size check comes before the encoder sees the fields, which
	// would change its dynamic table (RFC 7541 §2.3.2).
	if c.client {
		if requestHeadSize(&st.req) > int64(c.peerMaxHeaderList) {
			// Before the stream has an ID: nothing goes out.
			return fmt.Errorf("%w (%d octets)", transport.ErrHeaderListSize, c.peerMaxHeaderList)
		}
		if err := c.assignIDLocked(st); err != nil {
			return err
		}
		c.hbuf = appendRequestHead(c.enc, c.hbuf[:0], &st.req)
	} else {
		if int64(st.resp.Header.Size()+statusFieldSize) > int64(c.peerMaxHeaderList) {
			st.resetLocked(frames.ErrCodeInternal)
			return fmt.Errorf("%w (%d octets)", transport.ErrHeaderListSize, c.peerMaxHeaderList)
		}
		c.hbuf = appendResponseHead(c.enc, c.hbuf[:0], &st.resp)
	}
	c.wbuf = frames.AppendHeaders(c.wbuf, st.id, end, c.hbuf, c.peerMaxFrame)
	st.headSent = true
	c.pingFlood.n = 0
	c.pingsFree = true
	if end {
		st.endQueued = true
		st.sendEndedLocked()
	}
	return c.checkQueuedLocked()
}

// write implements Write for both sides: body bytes go straight into the
// connection buffer while the windows allow and the buffer is small, and
// otherwise into the stream's own buffer for the writer to interleave.
func (st *stream) write(p []byte) (int, error) {
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := st.writableLocked(); err != nil {
		return 0, err
	}
	if err := st.sendHeadLocked(false); err != nil {
		return 0, err
	}
	n := 0
	maxFrame := int64(min(c.peerMaxFrame, 64<<10))
	for len(p) > 0 {
		if err := st.writableLocked(); err != nil {
			return n, err
		}
		if c.client && st.recvEnded {
			// RFC 9113 §8.1: the server sent its whole response before
			// the request's end, so it needs no more of the body; a
			// write waiting for flow control it may never grant would
			// wait for good. x/net's transport stops the body too. The
			// stream then ends as any does (CloseSend, or Close, which
			// resets the request side if its end is not out).
			return n, errResponseEnded
		}
		if st.soff == len(st.sbuf) && len(c.wbuf) < wbufHigh {
			chunk := min(int64(len(p)), st.sendWin, c.sendWin, maxFrame)
			if chunk > 0 {
				c.appendDataLocked(st.id, p[:chunk], maxFrame)
				c.pingsFree = true
				st.sendWin -= chunk
				c.sendWin -= chunk
				p = p[chunk:]
				n += int(chunk)
				if len(c.wbuf) >= wbufWake {
					c.wakeWriterLocked()
				}
				continue
			}
		}
		queued := len(st.sbuf) - st.soff
		if queued >= sendBufMax {
			st.writeWait = true
			c.wakeWriterLocked()
			st.cond.Wait()
			continue
		}
		if st.soff > 0 {
			st.sbuf = st.sbuf[:copy(st.sbuf, st.sbuf[st.soff:])]
			st.soff = 0
		}
		take := min(len(p), sendBufMax-queued)
		st.sbuf = append(st.sbuf, p[:take]...)
		p = p[take:]
		n += take
		c.scheduleLocked(st)
	}
	return n, nil
}

// flush implements Flush: send the head if it is not out, and wake the
// writer.
func (st *stream) flush() error {
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.rst {
		return st.errLocked()
	}
	if !st.endQueued {
		if err := st.sendHeadLocked(false); err != nil {
			return err
		}
	}
	c.wakeWriterLocked()
	return nil
}

// finish ends our side with optional trailers.
func (st *stream) finish(trailers *transport.Header) error {
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return st.finishLocked(trailers)
}

func (st *stream) finishLocked(trailers *transport.Header) error {
	if err := st.writableLocked(); err != nil {
		return err
	}
	c := st.c
	queued := st.soff < len(st.sbuf)
	hasTr := trailers != nil && trailers.Len() > 0
	if !st.headSent && !queued && !hasTr {
		// The head alone ends the stream: gRPC's Trailers-Only.
		err := st.sendHeadLocked(true)
		c.wakeWriterLocked()
		return err
	}
	if err := st.sendHeadLocked(false); err != nil {
		return err
	}
	if hasTr && !c.client && int64(trailers.Size()) > int64(c.peerMaxHeaderList) {
		// As for a head (sendHeadLocked): the client would fail the
		// connection on them, every other call on it with this one.
		st.resetLocked(frames.ErrCodeInternal)
		c.wakeWriterLocked()
		return fmt.Errorf("%w (%d octets)", transport.ErrHeaderListSize, c.peerMaxHeaderList)
	}
	st.endQueued = true
	if hasTr {
		st.trailers.CopyFrom(trailers)
		st.hasTrailers = true
	}
	if queued {
		c.scheduleLocked(st)
	} else {
		st.appendEndLocked()
	}
	c.wakeWriterLocked()
	return c.checkQueuedLocked()
}

// cancel resets the stream from our side (Reset on the server, Cancel on
// the client); any goroutine may call it.
func (st *stream) cancel(code transport.Code) {
	st.c.mu.Lock()
	st.cancelLocked(code)
	st.c.mu.Unlock()
}

// cancelGen is cancel for a callback that may run late: it does nothing if
// the stream has been recycled since gen.
func (st *stream) cancelGen(gen uint32, code transport.Code) {
	st.c.mu.Lock()
	if st.gen == gen && !st.recycled {
		st.cancelLocked(code)
	}
	st.c.mu.Unlock()
}

func (st *stream) cancelLocked(code transport.Code) {
	if !st.closed {
		if st.id == 0 {
			st.markResetLocked(transport.StreamError{Code: code})
		} else {
			st.resetLocked(frames.ErrCode(code))
		}
	}
	if st.c.client && st.rq.len() > 0 {
		// The response ended (or the server reset the stream) before the
		// caller cancelled, with bytes still unread: drop them too, so an
		// abandoned call does not hold the connection's buffered cap;
		// Read then reports the cancel rather than a short body's io.EOF.
		st.dropRecvLocked()
		st.cancelled, st.cancelCode = true, code
		st.cond.Broadcast()
	}
}
