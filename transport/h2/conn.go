package h2

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
)

// Write buffering. The writer flushes whatever is queued as soon as it is
// free, so these only bound how much one flush carries and how much stream
// data may wait in the connection buffer.
const (
	// wbufHigh is the connection buffer size above which stream writes
	// queue in their own buffer for the writer to interleave fairly.
	wbufHigh = 64 << 10
	// wbufWake is the size past which a Write wakes the writer even
	// without Flush, so large bodies stream out while being written.
	wbufWake = 16 << 10
	// fillTarget is how much stream data the writer gathers per flush.
	fillTarget = 128 << 10
	// sendBufMax bounds the body bytes a stream queues before Write
	// blocks (grpc-go's per-stream write quota is the same size).
	sendBufMax = 64 << 10
	// maxKeepBuf is the largest buffer a connection or pooled stream keeps
	// for reuse; bigger ones are dropped so a burst does not pin memory.
	maxKeepBuf = 256 << 10
	// lingerTimeout bounds how long a closing connection keeps reading
	// after its GOAWAY, so that the peer receives it rather than a TCP
	// reset (RFC 9113 §6.8 asks to let the GOAWAY arrive).
	lingerTimeout = time.Second
	// minBatch is the write size below which the writer yields once
	// before writing, to gather more frames.
	minBatch = 8 << 10
	// minQueueCap is the least a server queues for the writer before it
	// takes the peer for one that sends requests and does not read the
	// answers (see checkQueuedLocked).
	minQueueCap = 4 << 20
)

// How the writer ends the connection once it has flushed.
const (
	closeNow    = iota // close the net.Conn at once
	closeLinger        // half-close and let the reader drain
)

var (
	errClientPreface      = errors.New("h2: bad client preface")
	errKeepAlive          = errors.New("h2: keepalive ping timed out")
	errIdle               = errors.New("h2: idle timeout")
	errMaxAge             = errors.New("h2: connection reached its maximum age")
	errStreamIDsExhausted = errors.New("h2: stream IDs exhausted")
	errServerClosed       = errors.New("h2: server closed")
	errStreamEnded        = errors.New("h2: write after end of stream")
	errResponseEnded      = errors.New("h2: the response ended before the request body: the server takes no more of it")
)

// connError is a connection error we detected: GOAWAY with Code and close
// (RFC 9113 §5.4.1).
type connError struct {
	Code   frames.ErrCode
	Reason string
}

func (e *connError) Error() string {
	return "h2: connection error " + e.Code.String() + ": " + e.Reason
}

// GoAwayError is the error of a connection that the peer closed with a
// GOAWAY carrying an error code, and of the streams it failed.
type GoAwayError struct {
	Code         transport.Code
	LastStreamID uint32
	Debug        string
}

func (e *GoAwayError) Error() string {
	s := "h2: peer sent GOAWAY " + e.Code.String()
	if e.Debug != "" {
		s += ": " + e.Debug
	}
	return s
}

// conn is one HTTP/2 connection, either side. One reader goroutine parses
// frames and updates state; one writer goroutine flushes the shared write
// buffer; stream goroutines (handlers on the server, callers on the client)
// append frames to that buffer under mu and wake the writer when needed.
//
// Everything under "guarded by mu" may be touched only with mu held. The
// HPACK decoder, the frame reader and hd belong to the reader goroutine.
type conn struct {
	nc      net.Conn
	cfg     *config
	client  bool
	srv     *Server
	cc      *ClientConn
	handler transport.Handler

	// Reader goroutine only.
	fr     *frames.Reader
	dec    *hpack.Decoder
	hd     headerDecoder
	emitFn func(hpack.Field)
	// scratch receives header blocks whose stream another goroutine may
	// touch meanwhile; they are copied in under mu.
	scratch     transport.Header
	scratchResp transport.Response

	remoteAddr net.Addr
	localAddr  net.Addr
	tlsState   *tls.ConnectionState
	// lastRead is when the last frame arrived, as time since born plus
	// 1 (0: none yet), kept only with keepalive on: the next PING is due
	// an interval after it, as in grpc-go.
	lastRead atomic.Int64
	born     time.Time

	mu         sync.Mutex // guards what follows
	writerCond sync.Cond
	writerIdle bool
	wbuf       []byte
	// tailData and tailEnd locate the DATA frame that ends wbuf, if one
	// does (tailEnd == len(wbuf)), and tailID is its stream: a write that
	// follows on the same stream extends it (see appendDataLocked).
	tailData, tailEnd int
	tailID            uint32
	spare             []byte // the writer's buffer while it is not writing
	hbuf              []byte // scratch for header blocks
	enc               *hpack.Encoder
	ctrlQueued        int        // control frames queued since the writer last took wbuf
	chunks            chunkCache // free receive chunks
	queueCap          int        // server: most bytes wbuf may hold (see checkQueuedLocked)

	streams     map[uint32]*stream
	free        []*stream
	nOpen       int // streams holding a concurrency slot
	actHead     *stream
	actTail     *stream
	nActive     int
	maxPeerID   uint32 // highest stream ID the peer opened
	nextID      uint32 // client: next stream ID
	streamsSeen uint64

	// Flow control. Send windows may go negative after a SETTINGS change
	// (RFC 9113 §6.9.2).
	sendWin           int64
	peerInitialWindow int64
	peerMaxFrame      uint32
	// peerMaxHeaderList is the peer's SETTINGS_MAX_HEADER_LIST_SIZE,
	// unlimited until it says (RFC 9113 §6.5.2).
	peerMaxHeaderList uint32
	peerMaxStreams    uint32
	recvWin           int64 // connection window we granted and not yet seen used
	recvUnacked       int64 // received bytes not yet returned in a WINDOW_UPDATE
	connWindow        int64 // size we keep the connection window at
	streamWindow      int64 // SETTINGS_INITIAL_WINDOW_SIZE we advertise
	bdp               bdpEstimator

	unackedSettings int
	// pingFlood counts PING and SETTINGS frames from the peer; sending a
	// head resets it, so only a peer that makes us work for nothing
	// reaches the limit (grpc-go's "ping strikes" likewise reset when
	// data goes out). A peer that floods without reading hits the queued
	// control frame cap instead.
	pingFlood  rateLimit
	emptyFlood rateLimit
	resets     rateLimit
	// Server: the PING policy of WithPingPolicy. pingsFree: HEADERS or
	// DATA went out since the last PING, which is then no strike.
	pingStrikes int
	lastPingAt  time.Time
	pingsFree   bool

	// Lifecycle.
	closing    bool
	closeMode  int
	err        error
	done       chan struct{}
	writerDone chan struct{}
	// drain (server) is closed when a graceful shutdown of the connection
	// starts, or the connection closes: the streams' Request.Draining.
	drain       chan struct{}
	drainClosed bool
	goAwaySent  bool   // server: first GOAWAY of a graceful shutdown
	goAwayFinal bool   // no stream above lastGoAwayID will be served
	lastGoAway  uint32 // last stream ID in our final GOAWAY
	goAwayRecv  bool
	peerLastID  uint32 // last stream ID in the peer's GOAWAY
	kaPending   bool
	kaLeft      time.Duration // of the pending PING's timeout, after the next check
	kaPrev      int64         // lastRead at the previous keepalive tick

	// Server: handler concurrency (see dispatchLocked).
	running  int
	waiting  []*stream
	work     chan *stream
	handlers *sync.WaitGroup

	// Client: NewStream waiting for a concurrency slot.
	slotCond sync.Cond

	closedRing [closedRingLen]closedRec
	closedPos  int
	skipped    [8][2]uint32
	nSkipped   int

	settingsTimer *time.Timer
	kaTimer       *time.Timer
	idleTimer     *time.Timer
	goAwayTimer   *time.Timer
	ageTimer      *time.Timer
	agedOut       bool // the maximum age passed; the timer now runs the grace
	idleSeen      uint64
}

func newConn(nc net.Conn, cfg *config, client bool) *conn {
	c := &conn{
		nc:                nc,
		cfg:               cfg,
		client:            client,
		fr:                frames.NewReader(nc),
		born:              time.Now(),
		tailEnd:           -1,
		dec:               hpack.NewDecoder(max(cfg.headerTableSize, DefaultHeaderTableSize)),
		enc:               hpack.NewEncoder(DefaultHeaderTableSize),
		streams:           make(map[uint32]*stream),
		sendWin:           65535,
		peerInitialWindow: 65535,
		peerMaxFrame:      frames.DefaultMaxFrameSize,
		peerMaxHeaderList: math.MaxUint32,
		peerMaxStreams:    DefaultMaxConcurrentStreams,
		recvWin:           65535,
		connWindow:        int64(cfg.initialConnWindow),
		streamWindow:      int64(cfg.initialWindowSize),
		done:              make(chan struct{}),
		writerDone:        make(chan struct{}),
		wbuf:              make([]byte, 0, 16<<10),
		spare:             make([]byte, 0, 16<<10),
		hbuf:              make([]byte, 0, 512),
		remoteAddr:        nc.RemoteAddr(),
		localAddr:         nc.LocalAddr(),
	}
	if !client {
		c.drain = make(chan struct{})
	}
	c.queueCap = max(minQueueCap, int(cfg.maxConcurrentStreams)*(64<<10))
	c.writerCond.L = &c.mu
	c.slotCond.L = &c.mu
	c.emitFn = c.hd.emit
	c.fr.SetMaxReadFrameSize(cfg.maxFrameSize)
	c.fr.SetMaxContinuations(cfg.maxContinuations)
	// A header block may be encoded less compactly than it decodes; four
	// times the list limit leaves room for that (the frames default).
	c.fr.SetMaxHeaderBlockSize(max(4*cfg.maxHeaderListSize, 16<<10))
	c.dec.SetMaxHeaderListSize(cfg.maxHeaderListSize)
	now := time.Now()
	c.pingFlood = rateLimit{start: now, limit: cfg.maxControlFrames, interval: time.Second}
	c.emptyFlood = rateLimit{start: now, limit: cfg.maxControlFrames, interval: time.Second}
	c.resets = rateLimit{start: now, limit: cfg.maxResets, interval: cfg.resetInterval}
	if tc, ok := nc.(interface{ ConnectionState() tls.ConnectionState }); ok {
		st := tc.ConnectionState()
		c.tlsState = &st
	}
	return c
}

// start sends our preface (client) and SETTINGS and starts the writer.
func (c *conn) start() {
	c.mu.Lock()
	// Frames queued before our preface (the GOAWAY and PING of a graceful
	// Shutdown that came while the server read the client's preface) go
	// after it: RFC 9113 §3.4 makes SETTINGS the server's first frame.
	var early []byte
	if len(c.wbuf) > 0 {
		early = append(early, c.wbuf...)
		c.wbuf = c.wbuf[:0]
	}
	if c.client {
		c.wbuf = append(c.wbuf, frames.ClientPreface...)
	}
	var set [8]frames.Setting
	s := set[:0]
	if c.client {
		// RFC 9113 §8.4: we accept no pushed streams.
		s = append(s, frames.Setting{ID: frames.SettingEnablePush, Val: 0})
	}
	if !c.client || c.cfg.maxConcurrentStreams != DefaultMaxConcurrentStreams {
		mcs := c.cfg.maxConcurrentStreams
		if c.client {
			mcs = 0 // a client takes no server-initiated streams
		}
		s = append(s, frames.Setting{ID: frames.SettingMaxConcurrentStreams, Val: mcs})
	}
	s = append(s,
		frames.Setting{ID: frames.SettingInitialWindowSize, Val: uint32(c.streamWindow)},
		frames.Setting{ID: frames.SettingMaxHeaderListSize, Val: c.cfg.maxHeaderListSize})
	if c.cfg.maxFrameSize != frames.DefaultMaxFrameSize {
		s = append(s, frames.Setting{ID: frames.SettingMaxFrameSize, Val: c.cfg.maxFrameSize})
	}
	if c.cfg.headerTableSize != DefaultHeaderTableSize {
		s = append(s, frames.Setting{ID: frames.SettingHeaderTableSize, Val: c.cfg.headerTableSize})
	}
	c.wbuf = frames.AppendSettings(c.wbuf, s...)
	c.settingsSentLocked()
	if c.connWindow > 65535 {
		c.wbuf = frames.AppendWindowUpdate(c.wbuf, 0, uint32(c.connWindow-65535))
		c.recvWin = c.connWindow
	}
	c.wbuf = append(c.wbuf, early...)
	// The timers are made under mu: closeLocked, which stops them, may
	// run on the writer as soon as it starts.
	if !c.closing {
		if c.cfg.keepAliveInterval > 0 {
			c.kaTimer = time.AfterFunc(c.cfg.keepAliveInterval, c.keepAliveTick)
		}
		if !c.client && c.cfg.idleTimeout > 0 {
			c.idleTimer = time.AfterFunc(c.cfg.idleTimeout, c.idleTick)
		}
		if !c.client && c.cfg.maxAge > 0 {
			c.ageTimer = time.AfterFunc(jitter(c.cfg.maxAge), c.maxAgeTick)
		}
	}
	c.mu.Unlock()
	go c.writeLoop()
}

// settingsSentLocked arms the SETTINGS_TIMEOUT for a SETTINGS frame just
// queued (RFC 9113 §6.5.3).
func (c *conn) settingsSentLocked() {
	c.unackedSettings++
	if c.cfg.settingsTimeout <= 0 {
		return
	}
	if c.settingsTimer == nil {
		c.settingsTimer = time.AfterFunc(c.cfg.settingsTimeout, c.settingsExpired)
	} else if c.unackedSettings == 1 {
		c.settingsTimer.Reset(c.cfg.settingsTimeout)
	}
}

func (c *conn) settingsExpired() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unackedSettings > 0 && !c.closing {
		c.failLocked(&connError{frames.ErrCodeSettingsTimeout, "SETTINGS not acknowledged"})
	}
}

// jitter returns d give or take up to 10%, as grpc-go spreads its
// connection ages.
func jitter(d time.Duration) time.Duration {
	r := d / 10
	if r <= 0 {
		return d
	}
	return d - r + rand.N(2*r+1)
}

// maxAgeTick runs when a server connection reaches its maximum age
// (WithMaxConnectionAge): it starts the graceful shutdown, and when it
// runs again, after the grace, it closes what is left.
func (c *conn) maxAgeTick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.agedOut {
		// The grace is over: close at once, cutting short a graceful
		// close still flushing to a peer that does not read.
		c.closeLocked(errMaxAge, closeNow)
		return
	}
	if c.closing {
		return
	}
	c.agedOut = true
	c.startGracefulLocked()
	if c.cfg.maxAgeGrace > 0 {
		c.ageTimer.Reset(c.cfg.maxAgeGrace)
	}
}

// keepAliveTick runs an interval after the last frame the peer sent, as
// grpc-go's keepalive: a connection that received nothing since the last
// tick gets a PING, and one whose PING went unanswered for the timeout is
// closed.
func (c *conn) keepAliveTick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if last := c.lastRead.Load(); last != c.kaPrev {
		// Something came (the PING's answer, or anything else): the
		// next PING is due an interval after it.
		c.kaPrev = last
		c.kaPending = false
		c.kaTimer.Reset(max(time.Duration(last-1)+c.cfg.keepAliveInterval-time.Since(c.born), 0))
		return
	}
	if c.kaPending {
		if c.kaLeft <= 0 {
			c.closeLocked(errKeepAlive, closeNow)
			return
		}
	} else {
		if c.client && c.nOpen == 0 && !c.cfg.keepAliveIdle {
			// No stream open: no PING (WithKeepAliveWithoutStreams).
			c.kaTimer.Reset(c.cfg.keepAliveInterval)
			return
		}
		c.kaPending = true
		c.kaLeft = c.cfg.keepAliveTimeout
		c.wbuf = frames.AppendPing(c.wbuf, false, keepalivePingData)
		c.wakeWriterLocked()
	}
	// Check again after the interval, or what is left of the timeout if
	// that is shorter.
	d := min(c.cfg.keepAliveInterval, c.kaLeft)
	c.kaLeft -= d
	c.kaTimer.Reset(d)
}

// idleTick closes a server connection that had no stream open for a
// whole idle period, gracefully (GOAWAY NO_ERROR).
func (c *conn) idleTick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if c.nOpen == 0 && c.running == 0 && c.streamsSeen == c.idleSeen {
		c.wbuf = frames.AppendGoAway(c.wbuf, c.maxPeerID, frames.ErrCodeNo, nil)
		c.closeLocked(errIdle, closeLinger)
		return
	}
	c.idleSeen = c.streamsSeen
	c.idleTimer.Reset(c.cfg.idleTimeout)
}

// drainLocked tells the server's handlers that the connection is going
// away (Request.Draining).
func (c *conn) drainLocked() {
	if c.drain != nil && !c.drainClosed {
		c.drainClosed = true
		close(c.drain)
	}
}

// wakeWriterLocked makes the writer flush what is queued.
func (c *conn) wakeWriterLocked() {
	if c.writerIdle {
		c.writerIdle = false
		c.writerCond.Signal()
	}
}

// queueControlLocked accounts for a control frame the reader queued in
// answer to the peer. A peer that makes us queue many without reading them
// is flooding us (CVE-2019-9512, -9515), so past the cap the connection
// fails and the reader, which gets the error back, stops reading: nothing
// more is queued, and failLocked bounds how long the writer may wait for
// the peer to take the GOAWAY.
func (c *conn) queueControlLocked() error {
	c.ctrlQueued++
	if lim := c.cfg.maxControlFrames; lim > 0 && c.ctrlQueued > 10*lim {
		c.failLocked(errControlQueue)
		return errControlQueue
	}
	c.wakeWriterLocked()
	return nil
}

// checkQueuedLocked bounds what a server queues for a peer that does not
// read. Flow control bounds DATA, and the control frame cap what the
// reader answers, but response heads and trailers are not flow
// controlled: a client that sends request after request and reads nothing
// would have them pile up behind a blocked writer. A well-behaved client
// has at most MaxConcurrentStreams responses unread, so a queue far above
// what their heads take means the peer is not reading.
func (c *conn) checkQueuedLocked() error {
	if c.client || len(c.wbuf) <= c.queueCap {
		return nil
	}
	c.failLocked(errWriteQueue)
	return errWriteQueue
}

// readEndedLocked ends the connection after its read loop returned err,
// unless it is closing already: a connection error gets its GOAWAY
// (failLocked); anything else (EOF, a failed read) closes at once.
func (c *conn) readEndedLocked(err error) {
	if c.closing {
		return
	}
	if isProtocolError(err) {
		c.failLocked(err)
		return
	}
	c.closeLocked(err, closeNow)
}

func isProtocolError(err error) bool {
	var ce *connError
	var fe *frames.ConnError
	return errors.As(err, &ce) || errors.As(err, &fe)
}

// failLocked ends the connection for a connection error: GOAWAY with its
// code, then close after a short linger (RFC 9113 §5.4.1).
func (c *conn) failLocked(err error) {
	if c.closing {
		return
	}
	code := frames.ErrCodeInternal
	var debug []byte
	var ce *connError
	var fe *frames.ConnError
	switch {
	case errors.As(err, &ce):
		code, debug = ce.Code, []byte(ce.Reason)
	case errors.As(err, &fe):
		code, debug = fe.Code, []byte(fe.Reason)
	}
	c.wbuf = frames.AppendGoAway(c.wbuf, c.maxPeerID, code, debug)
	c.closeLocked(err, closeLinger)
	// The GOAWAY is a courtesy: a writer stuck on a peer that does not
	// read gives up after the linger time, and the connection closes.
	c.nc.SetWriteDeadline(time.Now().Add(lingerTimeout))
}

// closeLocked starts closing: every stream fails with err, no new ones
// start, and the writer flushes what is queued and then closes the
// connection (at once or after a linger, by mode).
func (c *conn) closeLocked(err error, mode int) {
	if c.closing {
		if mode == closeNow && c.closeMode == closeLinger {
			// Closing already, gracefully or after a connection error,
			// and the writer may be blocked flushing to a peer that does
			// not read, or the reader lingering for it (only failLocked
			// bounds that write): a close at once (Close, the end of the
			// maximum age's grace) cuts the linger short. A writer about
			// to start it sees closeNow and closes instead.
			c.closeMode = closeNow
			c.nc.SetDeadline(aLongTimeAgo)
			c.writerCond.Broadcast()
		}
		return
	}
	c.closing = true
	c.closeMode = mode
	if err == nil {
		err = transport.ErrConnClosed
	}
	var ga *GoAwayError
	if c.client && c.goAwayRecv && !isProtocolError(err) && errors.As(c.cc.goneErr, &ga) && ga.Code != transport.NoError {
		// The server said why it closes (RFC 9113 §6.8: an error code
		// and debug data, such as grpc-go's too_many_pings): streams
		// that fail with the connection report it, whether the read or
		// a write found the socket closed first.
		err = fmt.Errorf("%w after %w", transport.ErrConnClosed, ga)
	}
	c.err = err
	close(c.done)
	c.drainLocked()
	if c.cc != nil {
		// A closing connection refuses new streams (assignIDLocked), so
		// it must say so at once through Done: the reader may linger for
		// a while before it ends, and a caller that kept picking this
		// connection meanwhile would see every retry refused.
		c.cc.goneLocked(err)
	}
	for _, st := range c.streams {
		st.failLocked(err)
	}
	for _, st := range c.waiting {
		st.failLocked(err)
		st.handlerDone = true
		c.maybeRecycleLocked(st)
	}
	c.waiting = c.waiting[:0]
	c.chunks.release()
	for _, t := range [...]*time.Timer{c.settingsTimer, c.kaTimer, c.idleTimer, c.goAwayTimer} {
		if t != nil {
			t.Stop()
		}
	}
	if c.ageTimer != nil && (mode == closeNow || !c.agedOut || c.cfg.maxAgeGrace <= 0) {
		// After the maximum age, the grace still bounds a graceful close
		// whose writer waits on a peer that does not read (maxAgeTick).
		c.ageTimer.Stop()
	}
	c.slotCond.Broadcast()
	c.writerIdle = false
	c.writerCond.Broadcast()
	if mode == closeNow {
		// Unblock the reader and a writer stuck on a peer that does not
		// read; what is still queued is lost, as Close promises. The
		// writer closes the socket once it is out of its loop: Close may
		// block (a TLS close_notify waits up to 5s for a peer that does
		// not read), so it never runs under mu. Setting a deadline
		// returns at once; the one deadline that is ever cleared (the
		// preface's, by the reader) is cleared under mu and only while
		// the connection is not closing, so this one holds.
		c.nc.SetDeadline(aLongTimeAgo)
	}
}

// aLongTimeAgo is a deadline in the past: I/O waiting on it fails at once.
var aLongTimeAgo = time.Unix(1, 0)

// writeLoop is the connection's writer goroutine. It takes everything
// queued in wbuf, adds DATA from streams whose data waits in their own
// buffers, round robin, and writes it all in one call; then it goes again,
// or sleeps until something is queued. So frames of many streams share a
// write, and the connection flushes whenever the queue runs empty.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	yielded := false
	c.mu.Lock()
	for {
		if c.nActive > 0 {
			c.fillLocked()
		}
		if c.closing && c.closeMode == closeNow {
			break
		}
		if len(c.wbuf) == 0 {
			if c.closing {
				break
			}
			c.writerIdle = true
			c.writerCond.Wait()
			continue
		}
		if len(c.wbuf) < minBatch && !yielded && !c.closing && c.nOpen > 1 {
			// A small batch: let the goroutines that are ready to run
			// (handlers finishing their responses, the reader) add their
			// frames first, so that one write carries them all. grpc-go's
			// loopy writer does the same. With one stream open there is
			// nobody to wait for: its frames are queued before the writer
			// is woken, and the yield only delays a lone call's write.
			yielded = true
			c.mu.Unlock()
			runtime.Gosched()
			c.mu.Lock()
			continue
		}
		yielded = false
		buf := c.wbuf
		c.wbuf = c.spare[:0]
		c.spare = nil
		c.tailEnd = -1
		c.ctrlQueued = 0
		c.mu.Unlock()
		_, err := c.nc.Write(buf)
		c.mu.Lock()
		if cap(buf) <= maxKeepBuf {
			c.spare = buf[:0]
		} else {
			c.spare = make([]byte, 0, 16<<10)
		}
		if err != nil {
			c.closeLocked(err, closeNow)
			break
		}
	}
	mode := c.closeMode
	c.mu.Unlock()
	if mode == closeLinger {
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			// Under mu: a Close that cut the linger short meanwhile
			// (ClientConn.Close) has set a deadline in the past,
			// which must stay.
			c.mu.Lock()
			if c.closeMode == closeLinger {
				c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
			}
			c.mu.Unlock()
			return
		}
	}
	c.nc.Close()
}

// appendDataLocked appends data for stream id to wbuf as DATA without
// END_STREAM, extending the DATA frame that ends wbuf when it is the same
// stream's and has room under maxFrame. DATA frame boundaries carry no
// meaning (RFC 9113 §6.1), and a stream of small messages then goes out
// in frames of up to maxFrame rather than one per message, as grpc-go's
// loopy writer packs them: the peer handles one frame (and wakes its
// reader once) per many messages.
func (c *conn) appendDataLocked(id uint32, data []byte, maxFrame int64) {
	if c.tailEnd == len(c.wbuf) && c.tailID == id {
		n := int64(len(c.wbuf)-c.tailData-frames.HeaderLen) + int64(len(data))
		if n <= maxFrame {
			c.wbuf = append(c.wbuf, data...)
			h := c.wbuf[c.tailData:]
			h[0], h[1], h[2] = byte(n>>16), byte(n>>8), byte(n)
			c.tailEnd = len(c.wbuf)
			return
		}
	}
	c.tailData = len(c.wbuf)
	c.wbuf = frames.AppendData(c.wbuf, id, false, data)
	c.tailID, c.tailEnd = id, len(c.wbuf)
}

// fillLocked moves queued stream data into wbuf, one frame per stream per
// round, so that large bodies share the connection fairly.
func (c *conn) fillLocked() {
	maxFrame := int64(min(c.peerMaxFrame, 64<<10))
	for progress := true; progress && len(c.wbuf) < fillTarget && c.nActive > 0; {
		progress = false
		for n := c.nActive; n > 0 && len(c.wbuf) < fillTarget; n-- {
			st := c.actHead
			c.unlinkActiveLocked(st)
			queued := int64(len(st.sbuf) - st.soff)
			if queued > 0 {
				chunk := min(queued, st.sendWin, c.sendWin, maxFrame)
				if chunk <= 0 {
					if st.sendWin > 0 {
						// Only the connection window is closed: keep the
						// stream's turn for when it opens.
						c.linkActiveLocked(st)
					}
					continue
				}
				end := chunk == queued && st.endQueued && !st.hasTrailers
				if end {
					c.wbuf = frames.AppendData(c.wbuf, st.id, true, st.sbuf[st.soff:st.soff+int(chunk)])
				} else {
					c.appendDataLocked(st.id, st.sbuf[st.soff:st.soff+int(chunk)], maxFrame)
				}
				c.pingsFree = true
				st.soff += int(chunk)
				st.sendWin -= chunk
				c.sendWin -= chunk
				queued -= chunk
				progress = true
				if queued == 0 {
					st.sbuf, st.soff = st.sbuf[:0], 0
				}
				if st.writeWait {
					st.writeWait = false
					st.cond.Broadcast()
				}
				if end {
					st.sendEndedLocked()
					continue
				}
			}
			if queued == 0 {
				if st.endQueued && !st.sendEnded {
					st.appendEndLocked()
					progress = true
				}
				continue
			}
			c.linkActiveLocked(st)
		}
	}
}

// scheduleLocked puts a stream with queued data (or a queued end) on the
// writer's round robin.
func (c *conn) scheduleLocked(st *stream) {
	if st.inActive || st.closed {
		return
	}
	queued := len(st.sbuf) > st.soff
	if (queued && st.sendWin > 0) || (!queued && st.endQueued && !st.sendEnded) {
		c.linkActiveLocked(st)
		c.wakeWriterLocked()
	}
}

func (c *conn) linkActiveLocked(st *stream) {
	st.inActive = true
	st.next = nil
	st.prev = c.actTail
	if c.actTail != nil {
		c.actTail.next = st
	} else {
		c.actHead = st
	}
	c.actTail = st
	c.nActive++
}

func (c *conn) unlinkActiveLocked(st *stream) {
	if !st.inActive {
		return
	}
	if st.prev != nil {
		st.prev.next = st.next
	} else {
		c.actHead = st.next
	}
	if st.next != nil {
		st.next.prev = st.prev
	} else {
		c.actTail = st.prev
	}
	st.next, st.prev = nil, nil
	st.inActive = false
	c.nActive--
}

// newStreamLocked takes a stream from the connection's pool.
func (c *conn) newStreamLocked() *stream {
	var st *stream
	if n := len(c.free); n > 0 {
		st = c.free[n-1]
		c.free[n-1] = nil
		c.free = c.free[:n-1]
	} else {
		st = &stream{c: c, ctx: &streamCtx{}}
		st.cond.L = &c.mu
		st.rq.cache = &c.chunks
		st.req.Reset()
		st.contentLen = -1
	}
	st.recycled = false
	st.sendWin = c.peerInitialWindow
	st.recvWin = c.streamWindow
	return st
}

// maybeRecycleLocked returns a stream to the pool once nobody uses it: the
// stream is closed, and its handler returned (server) or its caller called
// Close (client).
func (c *conn) maybeRecycleLocked(st *stream) {
	if !st.closed || !st.handlerDone || st.inActive || st.recycled {
		return
	}
	st.resetForReuse()
	if len(c.free) < 2*int(c.cfg.maxConcurrentStreams)+16 {
		c.free = append(c.free, st)
	}
}
