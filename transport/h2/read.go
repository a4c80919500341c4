package h2

import (
	"runtime"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
)

// Preallocated connection errors: rejecting a frame allocates nothing.
var (
	errFirstNotSettings = &connError{frames.ErrCodeProtocol, "first frame is not SETTINGS (RFC 9113 §3.4)"}
	errCompression      = &connError{frames.ErrCodeCompression, "malformed header block (RFC 9113 §4.3)"}
	errIdleStream       = &connError{frames.ErrCodeProtocol, "frame on an idle stream (RFC 9113 §5.1)"}
	errEvenStream       = &connError{frames.ErrCodeProtocol, "client opened an even stream ID (RFC 9113 §5.1.1)"}
	errPushPromise      = &connError{frames.ErrCodeProtocol, "PUSH_PROMISE received with push disabled (RFC 9113 §8.4)"}
	errConnFlow         = &connError{frames.ErrCodeFlowControl, "connection window overrun (RFC 9113 §6.9.1)"}
	errConnWindowTooBig = &connError{frames.ErrCodeFlowControl, "connection window above 2^31-1 (RFC 9113 §6.9.1)"}
	errSettingsWindow   = &connError{frames.ErrCodeFlowControl, "INITIAL_WINDOW_SIZE pushes a stream window above 2^31-1 (RFC 9113 §6.9.2)"}
	errServerPush       = &connError{frames.ErrCodeProtocol, "server sent SETTINGS_ENABLE_PUSH 1 (RFC 9113 §6.5.2)"}
	errRapidReset       = &connError{frames.ErrCodeEnhanceYourCalm, "too many stream resets (CVE-2023-44487)"}
	errControlFlood     = &connError{frames.ErrCodeEnhanceYourCalm, "too many PING or SETTINGS frames while nothing is answered"}
	errEmptyFlood       = &connError{frames.ErrCodeEnhanceYourCalm, "too many empty DATA frames"}
	errTooManyHandlers  = &connError{frames.ErrCodeEnhanceYourCalm, "too many streams waiting for a handler"}
	errControlQueue     = &connError{frames.ErrCodeEnhanceYourCalm, "too many control frames queued for a peer that does not read"}
	errWriteQueue       = &connError{frames.ErrCodeEnhanceYourCalm, "too many response heads queued for a peer that does not read"}
	errStreamIDOrder    = &connError{frames.ErrCodeProtocol, "stream ID below one already used (RFC 9113 §5.1.1)"}
	errHeadersClosed    = &connError{frames.ErrCodeStreamClosed, "HEADERS on a closed stream (RFC 9113 §5.1)"}
)

// readLoop reads and handles frames until the connection ends, and
// returns why.
func (c *conn) readLoop() error {
	ka := c.cfg.keepAliveInterval > 0
	gotSettings := false
	// delivered: frames since the last read(2) gave a stream's consumer
	// something (a request to a handler, a response head or data to a
	// caller), and so may have readied its goroutine.
	delivered := false
	for {
		if delivered && c.fr.Buffered() == 0 {
			// The next read(2) is likely to find the socket empty and
			// park this goroutine in the netpoller, while the goroutine
			// just readied waits behind it in this P's run queue. Let it
			// run first: a unary handler, or the caller its response
			// woke, starts without waiting for a read that returns
			// nothing (6–7% off the wall and CPU time of a unary call,
			// at concurrency 1 and with 64 KiB; bench/NOTES.md), and the
			// reader, now in the global queue, may be picked up by an
			// idle P.
			delivered = false
			runtime.Gosched()
		}
		f, err := c.fr.ReadFrame()
		if err != nil {
			if se, ok := err.(*frames.StreamError); ok {
				if err := c.onStreamError(f, se); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if ka {
			// One clock read a frame, only with keepalive on (grpc-go
			// reads the clock for every frame).
			c.lastRead.Store(int64(time.Since(c.born)) + 1)
		}
		if !gotSettings {
			// RFC 9113 §3.4: the preface of either side ends with a
			// SETTINGS frame.
			if f.Type != frames.FrameSettings || f.IsAck() {
				return errFirstNotSettings
			}
			gotSettings = true
			if !c.client && c.cfg.prefaceTimeout > 0 {
				// Under mu: a connection closed meanwhile keeps the
				// deadline that closeLocked set.
				c.mu.Lock()
				if !c.closing {
					c.nc.SetReadDeadline(noDeadline)
				}
				c.mu.Unlock()
			}
		}
		if f.Type == frames.FrameData || f.Type == frames.FrameHeaders {
			delivered = true
		}
		if err := c.handleFrame(f); err != nil {
			return err
		}
		select {
		case <-c.done:
			// The connection is closing: nothing the peer sends now is
			// answered, so reading on would only queue what nobody
			// writes.
			return transport.ErrConnClosed
		default:
		}
	}
}

func (c *conn) handleFrame(f *frames.Frame) error {
	switch f.Type {
	case frames.FrameData:
		return c.onData(f)
	case frames.FrameHeaders:
		if c.client {
			return c.onResponseHeaders(f)
		}
		return c.onRequestHeaders(f)
	case frames.FramePriority:
		// RFC 9113 §5.3.2: the priority signals are deprecated; a
		// PRIORITY frame is valid in any state and changes nothing.
		return nil
	case frames.FrameRSTStream:
		return c.onRSTStream(f)
	case frames.FrameSettings:
		return c.onSettings(f)
	case frames.FramePushPromise:
		return errPushPromise
	case frames.FramePing:
		return c.onPing(f)
	case frames.FrameGoAway:
		return c.onGoAway(f)
	case frames.FrameWindowUpdate:
		return c.onWindowUpdate(f)
	}
	// RFC 9113 §4.1, §5.5: frames of unknown type are ignored.
	return nil
}

// onStreamError handles a frame the codec found to be a stream error.
func (c *conn) onStreamError(f *frames.Frame, se *frames.StreamError) error {
	id, code := se.StreamID, se.Code
	if f != nil && f.Type == frames.FrameHeaders {
		// The block must still go through the decoder (RFC 9113 §4.3).
		if _, err := c.decode(blockDiscard, nil, nil, f.Data); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.client && id > c.maxPeerID {
			if id%2 == 0 {
				return errEvenStream
			}
			c.maxPeerID = id
		}
	} else {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	if st := c.streams[id]; st != nil {
		st.resetLocked(code)
		return nil
	}
	if f != nil && f.Type == frames.FrameWindowUpdate && c.idleLocked(id) {
		return errIdleStream
	}
	c.wbuf = frames.AppendRSTStream(c.wbuf, id, code)
	return c.queueControlLocked()
}

// idleLocked reports whether id names a stream still idle (RFC 9113
// §5.1): one the peer could open but has not, or one we would open. We
// never open even (server-initiated) streams: push is off.
func (c *conn) idleLocked(id uint32) bool {
	if c.client {
		return id%2 == 0 || id >= c.nextID
	}
	return id%2 == 0 || id > c.maxPeerID
}

// decode runs a header block through the HPACK decoder into hdr (and req
// for a request head). tooLarge reports a list over
// SETTINGS_MAX_HEADER_LIST_SIZE; err is a connection error.
func (c *conn) decode(kind int, req *transport.Request, hdr *transport.Header, block []byte) (tooLarge bool, err error) {
	c.hd.reset(kind, req, hdr)
	if err := c.dec.Decode(block, c.emitFn); err != nil {
		if err == hpack.ErrHeaderListTooLarge {
			return true, nil
		}
		return false, errCompression
	}
	return false, nil
}

func (c *conn) onRequestHeaders(f *frames.Frame) error {
	id := f.StreamID
	c.mu.Lock()
	st := c.streams[id]
	if st == nil && id > c.maxPeerID {
		if id%2 == 0 {
			c.mu.Unlock()
			return errEvenStream
		}
		return c.onNewStream(f) // unlocks
	}
	c.mu.Unlock()
	// Trailers, or a HEADERS frame on a stream that is closed or
	// half-closed (remote). Decode first: HPACK state is shared.
	c.scratch.Reset()
	tooLarge, err := c.decode(blockTrailers, nil, &c.scratch, f.Data)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st = c.streams[id]
	switch {
	case st == nil:
		// RFC 9113 §5.1.1: a stream ID below one already used, never
		// opened, is a connection error PROTOCOL_ERROR. §5.1: a stream
		// closed by END_STREAM both ways takes no HEADERS (connection
		// error STREAM_CLOSED); one the peer reset, a stream error; one
		// we reset may still see frames the peer sent before it knew,
		// which are ignored.
		switch c.closedHowLocked(id) {
		case closedSkipped:
			return errStreamIDOrder
		case closedNormally:
			return errHeadersClosed
		case closedByPeer:
			c.wbuf = frames.AppendRSTStream(c.wbuf, id, frames.ErrCodeStreamClosed)
			return c.queueControlLocked()
		}
	case st.recvEnded:
		// RFC 9113 §5.1: half-closed (remote), STREAM_CLOSED.
		st.resetLocked(frames.ErrCodeStreamClosed)
	case !f.StreamEnded() || c.hd.bad || tooLarge:
		// RFC 9113 §8.1: a second HEADERS frame is trailers, which end
		// the stream and carry no pseudo-header fields.
		st.resetLocked(frames.ErrCodeProtocol)
	case st.contentLen >= 0 && st.recvTotal != st.contentLen:
		st.resetLocked(frames.ErrCodeProtocol)
	default:
		st.rtrailers.CopyFrom(&c.scratch)
		st.recvEndedLocked()
	}
	return nil
}

// onNewStream opens a stream for a request head. Called with mu held;
// returns with it released.
func (c *conn) onNewStream(f *frames.Frame) error {
	id := f.StreamID
	if id > c.maxPeerID+2 {
		c.skipped[c.nSkipped%len(c.skipped)] = [2]uint32{c.maxPeerID + 2, id - 2}
		c.nSkipped++
	}
	c.maxPeerID = id
	c.streamsSeen++
	st := c.newStreamLocked()
	refuse := c.goAwayFinal || c.nOpen >= int(c.cfg.maxConcurrentStreams) || c.closing
	c.mu.Unlock()

	// The stream is ours alone until it is in the map, so its head is
	// decoded in place.
	tooLarge, err := c.decode(blockRequest, &st.req, &st.req.Header, f.Data)
	ok := err == nil && !tooLarge && c.hd.finishRequest()

	c.mu.Lock()
	if err != nil || refuse || !ok {
		st.closed, st.handlerDone = true, true
		c.maybeRecycleLocked(st)
		switch {
		case err != nil:
			c.mu.Unlock()
			return err
		case refuse:
			// RFC 9113 §5.1.2: over the limit, REFUSED_STREAM lets the
			// client retry; after GOAWAY the stream is ignored (§6.8) but
			// refusing it tells the client at once.
			c.wbuf = frames.AppendRSTStream(c.wbuf, id, frames.ErrCodeRefusedStream)
		case tooLarge:
			// RFC 9113 §8.2.2 (and RFC 6585): answer 431.
			c.hbuf = c.enc.AppendField(c.hbuf[:0], hpack.Field{Name: nameStatus, Value: statusText[431]})
			c.wbuf = frames.AppendHeaders(c.wbuf, id, true, c.hbuf, c.peerMaxFrame)
			if !f.StreamEnded() {
				c.wbuf = frames.AppendRSTStream(c.wbuf, id, frames.ErrCodeNo)
			}
		default:
			// RFC 9113 §8.1.1: a malformed request is a stream error.
			c.wbuf = frames.AppendRSTStream(c.wbuf, id, frames.ErrCodeProtocol)
		}
		err := c.queueControlLocked()
		c.mu.Unlock()
		return err
	}
	st.id = id
	st.counted = true
	c.nOpen++
	c.streams[id] = st
	st.contentLen = st.req.ContentLength
	st.req.Proto = transport.HTTP2
	st.req.RemoteAddr = c.remoteAddr
	st.req.LocalAddr = c.localAddr
	st.req.TLS = c.tlsState
	st.req.Draining = c.drain
	if f.StreamEnded() {
		st.recvEnded = true
		if st.contentLen > 0 {
			st.resetLocked(frames.ErrCodeProtocol)
			c.mu.Unlock()
			return nil
		}
	}
	run, err := c.dispatchLocked(st)
	c.mu.Unlock()
	if run {
		select {
		case c.work <- st:
		default:
			c.handlers.Add(1)
			go c.worker(st)
		}
	}
	return err
}

func (c *conn) onData(f *frames.Frame) error {
	n := int64(f.Length) // flow control counts padding too (RFC 9113 §6.1)
	c.mu.Lock()
	// RFC 9113 §6.9.1: the receiver of more than the connection window
	// allows treats it as a connection error FLOW_CONTROL_ERROR.
	if n > c.recvWin {
		c.mu.Unlock()
		return errConnFlow
	}
	c.recvWin -= n
	c.recvUnacked += n
	err := c.onStreamDataLocked(f, n)
	// The connection window is credited on receipt, in batches, unless
	// the connection holds its cap of unread bytes; after the stream has
	// the data, so that the cap counts this frame's data too. The stream
	// windows (credited as handlers read) bound what each stream buffers.
	// (No defers here: with this many returns Go cannot open-code them,
	// and the runtime's deferreturn showed in the streaming profile.)
	c.connCreditLocked()
	c.mu.Unlock()
	return err
}

// onStreamDataLocked hands a DATA frame of n flow-controlled bytes, already
// charged to the connection window, to its stream.
func (c *conn) onStreamDataLocked(f *frames.Frame, n int64) error {
	id := f.StreamID
	if n == 0 && !f.StreamEnded() && !c.emptyFlood.allow() {
		return errEmptyFlood
	}
	st := c.streams[id]
	if st == nil {
		if c.idleLocked(id) {
			return errIdleStream
		}
		// RFC 9113 §5.1: DATA on a closed stream is STREAM_CLOSED,
		// unless we reset it and the DATA was already on its way.
		if c.client || c.closedHowLocked(id) == closedByUs {
			return nil
		}
		c.wbuf = frames.AppendRSTStream(c.wbuf, id, frames.ErrCodeStreamClosed)
		return c.queueControlLocked()
	}
	if st.recvEnded {
		st.resetLocked(frames.ErrCodeStreamClosed)
		return nil
	}
	if c.client && !st.headRecv {
		// RFC 9113 §8.1: DATA before the response head is malformed.
		st.resetLocked(frames.ErrCodeProtocol)
		return nil
	}
	if n > st.recvWin {
		st.resetLocked(frames.ErrCodeFlowControl)
		return nil
	}
	st.recvWin -= n
	data := f.Data
	st.recvTotal += int64(len(data))
	if st.contentLen >= 0 && (st.recvTotal > st.contentLen || (f.StreamEnded() && st.recvTotal != st.contentLen)) {
		// RFC 9113 §8.1.1: content-length must equal the DATA total.
		st.resetLocked(frames.ErrCodeProtocol)
		return nil
	}
	if !c.client && st.handlerDone {
		// Nobody reads any more: drop the data, and once the client has
		// filled the window, tell it to stop (see serveStream).
		if st.recvWin <= 0 && !f.StreamEnded() {
			st.resetAfterEndLocked()
			return nil
		}
	} else if len(data) > 0 {
		st.rq.push(data)
		st.cond.Broadcast()
	}
	if pad := n - int64(len(data)); pad > 0 {
		// Padding is consumed on arrival.
		st.creditLocked(pad)
	}
	if f.StreamEnded() {
		st.recvEndedLocked()
	}
	if n > 0 && c.cfg.bdp && c.bdp.add(uint32(n), c.streamWindow) {
		c.wbuf = frames.AppendPing(c.wbuf, false, bdpPingData)
		c.wakeWriterLocked()
	}
	return nil
}

func (c *conn) onRSTStream(f *frames.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.streams[f.StreamID]
	if st == nil {
		if c.idleLocked(f.StreamID) {
			return errIdleStream
		}
		return nil
	}
	if !c.client && !c.resets.allow() {
		return errRapidReset
	}
	code := transport.Code(f.ErrCode)
	st.markResetLocked(transport.StreamError{
		Code:   code,
		Remote: true,
		// RFC 9113 §8.7: REFUSED_STREAM means nothing was processed.
		Unprocessed: c.client && f.ErrCode == frames.ErrCodeRefusedStream,
	})
	return nil
}

func (c *conn) onSettings(f *frames.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.IsAck() {
		if c.unackedSettings > 0 {
			c.unackedSettings--
			if c.unackedSettings == 0 && c.settingsTimer != nil {
				c.settingsTimer.Stop()
			}
			// Our HEADER_TABLE_SIZE holds from the first ACK on.
			c.dec.SetAllowedMaxDynamicTableSize(c.cfg.headerTableSize)
		}
		return nil
	}
	if !c.pingFlood.allow() {
		return errControlFlood
	}
	for i := 0; i < f.NumSettings(); i++ {
		s := f.Setting(i)
		switch s.ID {
		case frames.SettingHeaderTableSize:
			c.enc.SetMaxDynamicTableSize(s.Val)
		case frames.SettingEnablePush:
			if c.client && s.Val != 0 {
				return errServerPush
			}
		case frames.SettingMaxConcurrentStreams:
			c.peerMaxStreams = s.Val
			if c.client {
				c.slotCond.Broadcast()
			}
		case frames.SettingInitialWindowSize:
			// RFC 9113 §6.9.2: the change applies to every open stream's
			// window, which may go negative, or overflow: a connection
			// error FLOW_CONTROL_ERROR.
			delta := int64(s.Val) - c.peerInitialWindow
			c.peerInitialWindow = int64(s.Val)
			for _, st := range c.streams {
				st.sendWin += delta
				if st.sendWin > maxWindow {
					return errSettingsWindow
				}
				if delta > 0 {
					c.scheduleLocked(st)
				}
			}
		case frames.SettingMaxFrameSize:
			c.peerMaxFrame = s.Val
		case frames.SettingMaxHeaderListSize:
			c.peerMaxHeaderList = s.Val
		}
	}
	c.wbuf = frames.AppendSettingsAck(c.wbuf)
	if c.client && !c.cc.readyClosed {
		c.cc.readyClosed = true
		close(c.cc.ready)
	}
	return c.queueControlLocked()
}

func (c *conn) onPing(f *frames.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := f.PingData()
	if f.IsAck() {
		switch d {
		case bdpPingData:
			if w := c.bdp.ack(); w > 0 {
				c.growWindowsLocked(w)
			}
		case shutdownPingData:
			c.finalGoAwayLocked()
		}
		return nil
	}
	if !c.pingFlood.allow() {
		return errControlFlood
	}
	// RFC 9113 §6.7: every PING gets its ACK, the one that ends the
	// connection too (before the GOAWAY, as grpc-go sends them).
	c.wbuf = frames.AppendPing(c.wbuf, true, d)
	if !c.client && c.cfg.pingMinTime > 0 && c.pingStrikeLocked(time.Now()) {
		return errTooManyPings
	}
	return c.queueControlLocked()
}

// maxPingStrikes is how many PINGs against the policy a server lets pass;
// the next ends the connection (grpc-go's count).
const maxPingStrikes = 2

// errTooManyPings ends a connection whose client broke the PING policy
// (WithPingPolicy), with the code and debug data grpc-go sends, which its
// clients recognise.
var errTooManyPings = &connError{frames.ErrCodeEnhanceYourCalm, "too_many_pings"}

// pingStrikeLocked counts a PING from the client against the policy and
// reports whether it is one strike too many.
func (c *conn) pingStrikeLocked(now time.Time) bool {
	last := c.lastPingAt
	c.lastPingAt = now
	if c.pingsFree {
		c.pingsFree = false
		c.pingStrikes = 0
		return false
	}
	least := c.cfg.pingMinTime
	if c.nOpen == 0 && !c.cfg.pingWithoutStreams {
		// No stream open, so no keepalive is due: grpc-go allows one
		// PING per two hours then.
		least = 2 * time.Hour
	}
	if now.Sub(last) < least {
		c.pingStrikes++
	}
	return c.pingStrikes > maxPingStrikes
}

func (c *conn) onGoAway(f *frames.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.goAwayRecv || f.LastStreamID < c.peerLastID {
		c.peerLastID = f.LastStreamID
	}
	c.goAwayRecv = true
	if c.client {
		c.cc.goneLocked(&GoAwayError{Code: transport.Code(f.ErrCode), LastStreamID: f.LastStreamID, Debug: string(f.Data)})
		// RFC 9113 §6.8: streams above the last ID were not processed
		// and may be retried elsewhere.
		for id, st := range c.streams {
			if id > c.peerLastID {
				st.markResetLocked(transport.StreamError{Code: transport.RefusedStream, Remote: true, Unprocessed: true})
			}
		}
	}
	// Whatever the code (RFC 9113 §7: unknown codes trigger nothing
	// special), streams below the last ID may still complete; the
	// connection closes, after a linger, once they have. Closing at once
	// would make frames still in flight from the peer reset the TCP
	// connection under them.
	c.streamClosedLocked()
	return nil
}

func (c *conn) onWindowUpdate(f *frames.Frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	inc := int64(f.Increment)
	if f.StreamID == 0 {
		c.sendWin += inc
		if c.sendWin > maxWindow {
			return errConnWindowTooBig
		}
		if c.nActive > 0 {
			c.wakeWriterLocked()
		}
		return nil
	}
	st := c.streams[f.StreamID]
	if st == nil {
		if c.idleLocked(f.StreamID) {
			return errIdleStream
		}
		return nil
	}
	st.sendWin += inc
	if st.sendWin > maxWindow {
		// RFC 9113 §6.9.1: on a stream, a stream error.
		st.resetLocked(frames.ErrCodeFlowControl)
		return nil
	}
	c.scheduleLocked(st)
	return nil
}

// growWindowsLocked raises the receive windows to w after a BDP estimate:
// streams through SETTINGS_INITIAL_WINDOW_SIZE (which the peer applies to
// open streams too, RFC 9113 §6.9.2), the connection by WINDOW_UPDATE.
func (c *conn) growWindowsLocked(w uint32) {
	if int64(w) > c.streamWindow {
		delta := int64(w) - c.streamWindow
		c.streamWindow = int64(w)
		for _, st := range c.streams {
			st.recvWin += delta
		}
		c.wbuf = frames.AppendSettings(c.wbuf, frames.Setting{ID: frames.SettingInitialWindowSize, Val: w})
		c.settingsSentLocked()
	}
	if int64(w) > c.connWindow {
		d := int64(w) - c.connWindow
		c.connWindow = int64(w)
		if int64(c.chunks.unread) < c.bufferCapLocked() {
			c.recvWin += d
			c.wbuf = frames.AppendWindowUpdate(c.wbuf, 0, uint32(d))
		} else {
			// The growth is credit like any other: at the buffered
			// cap it waits with the rest (see connCreditLocked).
			c.recvUnacked += d
		}
	}
	// A larger window may raise the default cap above what is unread.
	c.connCreditLocked()
	c.wakeWriterLocked()
}

// streamClosedLocked closes a connection that is going away once its last
// stream is done.
func (c *conn) streamClosedLocked() {
	if c.nOpen > 0 || c.closing {
		return
	}
	if c.goAwayFinal || c.goAwayRecv {
		c.closeLocked(nil, closeLinger)
	}
}

// How a stream not in the map came to be closed, as far as the server
// remembers: the last closedRingLen closed streams and the ID ranges the
// client skipped.
const (
	closedUnknown = iota
	closedSkipped
	closedNormally
	closedByPeer
	closedByUs
)

const closedRingLen = 64

type closedRec struct {
	id  uint32
	how uint8
}

func (c *conn) recordClosedLocked(st *stream) {
	how := uint8(closedNormally)
	if st.rst {
		how = closedByUs
		if st.err.Remote {
			how = closedByPeer
		}
	}
	c.closedRing[c.closedPos%closedRingLen] = closedRec{st.id, how}
	c.closedPos++
}

func (c *conn) closedHowLocked(id uint32) int {
	for i := range c.closedRing {
		if c.closedRing[i].id == id {
			return int(c.closedRing[i].how)
		}
	}
	for _, r := range c.skipped {
		if id >= r[0] && id <= r[1] {
			return closedSkipped
		}
	}
	return closedUnknown
}
