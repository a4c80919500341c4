package h2

import (
	"crypto/tls"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
)

// Defaults. Every limit is on by default; Options change them.
const (
	// DefaultMaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS a
	// server advertises (DESIGN.md safety limits).
	DefaultMaxConcurrentStreams = 100
	// DefaultInitialWindowSize is the stream receive window advertised in
	// SETTINGS_INITIAL_WINDOW_SIZE. BDP estimation grows it on fast links.
	// It is large enough that a message of 64 KiB and its framing (the
	// spec's 65,535 is a few bytes short) arrives without waiting a round
	// trip for a WINDOW_UPDATE; it bounds what one stream buffers, in
	// pooled chunks, while its handler does not read.
	DefaultInitialWindowSize = 256 << 10
	// DefaultInitialConnWindowSize is the connection receive window.
	DefaultInitialConnWindowSize = 1 << 20
	// DefaultMaxHeaderListSize is SETTINGS_MAX_HEADER_LIST_SIZE: 16 KiB of
	// decoded header fields.
	DefaultMaxHeaderListSize = 16 << 10
	// DefaultHeaderTableSize is SETTINGS_HEADER_TABLE_SIZE, the HPACK
	// dynamic table our decoder keeps.
	DefaultHeaderTableSize = 4096
	// DefaultPrefaceTimeout bounds the wait for the client preface and
	// first SETTINGS frame.
	DefaultPrefaceTimeout = 10 * time.Second
	// DefaultSettingsTimeout bounds the wait for the peer to acknowledge
	// our SETTINGS (RFC 9113 §6.5.3).
	DefaultSettingsTimeout = 10 * time.Second
	// DefaultMaxResets and DefaultResetInterval cap the streams a client
	// may reset (Rapid Reset, CVE-2023-44487): more than DefaultMaxResets
	// in DefaultResetInterval ends the connection with ENHANCE_YOUR_CALM.
	DefaultMaxResets     = 1000
	DefaultResetInterval = 10 * time.Second
	// DefaultMaxControlFrames caps the PING and SETTINGS frames a peer may
	// send per second while getting no response heads, and its empty DATA
	// frames per second (floods, CVE-2019-9512/9518); ten times it caps
	// the control frames queued for a peer that does not read
	// (CVE-2019-9512/9515).
	DefaultMaxControlFrames = 1000
)

// bufferedWindows sets the default buffered cap (see
// WithMaxBufferedBytes): this many of the larger receive window, so 4 MiB
// at the default windows and at most 64 MiB once BDP estimation has grown
// them to bdpLimit. x/net/http2 buffers at most its connection window per
// connection (1 MiB on a server), crediting it only as handlers read, so
// 1 MiB unread on some streams stalls all the others; grpc-go credits on
// receipt and bounds nothing per connection (MaxConcurrentStreams times a
// window BDP may grow to 16 MiB). Four windows let sixteen default stream
// windows, or four of any size, sit unread before a connection holds back
// credit: stalled readers do not hold up the others in normal use, yet a
// peer that opens streams and feeds handlers that do not read gets at
// most five connection windows buffered.
const bufferedWindows = 4

// maxWindow is the largest flow-control window (RFC 9113 §6.9.1).
const maxWindow = 1<<31 - 1

// bdpLimit is the most BDP estimation grows a window to, as in grpc-go.
const bdpLimit = 16 << 20

// config is the resolved set of options of a Server or client connection.
type config struct {
	maxConcurrentStreams uint32
	initialWindowSize    uint32
	initialConnWindow    uint32
	maxFrameSize         uint32
	maxHeaderListSize    uint32
	headerTableSize      uint32
	bdp                  bool
	idleTimeout          time.Duration
	prefaceTimeout       time.Duration
	settingsTimeout      time.Duration
	keepAliveInterval    time.Duration
	keepAliveTimeout     time.Duration
	keepAliveIdle        bool // client: ping with no stream open too
	maxAge               time.Duration
	maxAgeGrace          time.Duration
	pingMinTime          time.Duration
	pingWithoutStreams   bool
	maxResets            int
	resetInterval        time.Duration
	maxControlFrames     int
	maxContinuations     int
	maxBuffered          int64 // 0: bufferedWindows times the larger window; < 0: no cap
	failFast             bool
	tlsConfig            *tls.Config
}

func defaultConfig() config {
	return config{
		maxConcurrentStreams: DefaultMaxConcurrentStreams,
		initialWindowSize:    DefaultInitialWindowSize,
		initialConnWindow:    DefaultInitialConnWindowSize,
		maxFrameSize:         frames.DefaultMaxFrameSize,
		maxHeaderListSize:    DefaultMaxHeaderListSize,
		headerTableSize:      DefaultHeaderTableSize,
		bdp:                  true,
		prefaceTimeout:       DefaultPrefaceTimeout,
		settingsTimeout:      DefaultSettingsTimeout,
		keepAliveTimeout:     20 * time.Second,
		maxResets:            DefaultMaxResets,
		resetInterval:        DefaultResetInterval,
		maxControlFrames:     DefaultMaxControlFrames,
		maxContinuations:     frames.DefaultMaxContinuations,
	}
}

func newConfig(opts []Option) config {
	c := defaultConfig()
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// An Option configures a Server or a client connection. Options that only
// make sense on one side are ignored on the other.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithMaxConcurrentStreams sets the SETTINGS_MAX_CONCURRENT_STREAMS we
// advertise: on a server, how many streams each client may have open.
func WithMaxConcurrentStreams(n uint32) Option {
	return optionFunc(func(c *config) { c.maxConcurrentStreams = n })
}

// WithInitialWindowSize sets the stream receive window we advertise
// (SETTINGS_INITIAL_WINDOW_SIZE, at most 2^31-1). Setting it turns BDP
// estimation off, as in grpc-go: the caller chose the window.
func WithInitialWindowSize(n uint32) Option {
	return optionFunc(func(c *config) { c.initialWindowSize = min(n, maxWindow); c.bdp = false })
}

// WithInitialConnWindowSize sets the connection receive window (at least
// 65535, the initial value of RFC 9113 §6.9.2). Setting it turns BDP
// estimation off.
func WithInitialConnWindowSize(n uint32) Option {
	return optionFunc(func(c *config) { c.initialConnWindow = min(max(n, 65535), maxWindow); c.bdp = false })
}

// WithBDPEstimation turns the growth of receive windows from bandwidth-delay
// product estimates on or off (default on).
func WithBDPEstimation(on bool) Option { return optionFunc(func(c *config) { c.bdp = on }) }

// WithMaxFrameSize sets the largest frame payload we accept and advertise
// (SETTINGS_MAX_FRAME_SIZE, 16 KiB to 16 MiB-1).
func WithMaxFrameSize(n uint32) Option {
	return optionFunc(func(c *config) {
		c.maxFrameSize = min(max(n, frames.DefaultMaxFrameSize), frames.MaxFrameSizeLimit)
	})
}

// WithMaxHeaderListSize sets SETTINGS_MAX_HEADER_LIST_SIZE: the largest
// decoded header list we accept. A larger request is answered with 431.
func WithMaxHeaderListSize(n uint32) Option {
	return optionFunc(func(c *config) { c.maxHeaderListSize = n })
}

// WithHeaderTableSize sets SETTINGS_HEADER_TABLE_SIZE, the HPACK dynamic
// table our decoder keeps.
func WithHeaderTableSize(n uint32) Option {
	return optionFunc(func(c *config) { c.headerTableSize = n })
}

// WithIdleTimeout closes a server connection gracefully after it had no
// open stream for d (0, the default, never).
func WithIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.idleTimeout = d })
}

// WithPrefaceTimeout bounds the wait for a client's connection preface and
// first SETTINGS frame (default 10s).
func WithPrefaceTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.prefaceTimeout = d })
}

// WithSettingsTimeout bounds the wait for the peer's acknowledgement of our
// SETTINGS; past it the connection fails with SETTINGS_TIMEOUT (RFC 9113
// §6.5.3). Default 10s.
func WithSettingsTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.settingsTimeout = d })
}

// WithKeepAlive sends a PING after interval without any frame from the
// peer and closes the connection if nothing arrives within timeout after
// it. interval 0 (the default) disables keepalive.
func WithKeepAlive(interval, timeout time.Duration) Option {
	return optionFunc(func(c *config) { c.keepAliveInterval, c.keepAliveTimeout = interval, timeout })
}

// WithKeepAliveWithoutStreams makes a client's keepalive PINGs go out also
// while it has no stream open. By default a client pings only while
// streams are open, as grpc-go's does without PermitWithoutStream: servers
// that enforce a ping policy (grpc-go's by default; see WithPingPolicy)
// close connections that ping while idle. Servers always ping.
func WithKeepAliveWithoutStreams(on bool) Option {
	return optionFunc(func(c *config) { c.keepAliveIdle = on })
}

// WithMaxConnectionAge shuts a server connection down gracefully once it
// has been open for about d (d ± 10%, so that connections opened together
// do not all go together), as grpc-go's MaxConnectionAge: clients then
// reconnect, which spreads them again over the servers behind a load
// balancer. The shutdown is the two-step GOAWAY of Server.Shutdown.
// Streams in flight get grace to finish (0: as long as they take); those
// still open then fail as the connection closes. d 0 (the default): no
// limit.
func WithMaxConnectionAge(d, grace time.Duration) Option {
	return optionFunc(func(c *config) { c.maxAge, c.maxAgeGrace = d, grace })
}

// WithPingPolicy makes a server hold clients to a PING rate, as grpc-go's
// keepalive.EnforcementPolicy does (and by default, in grpc-go, with
// minTime 5 minutes): a PING that comes less than minTime after the
// previous one, or, unless permitWithoutStream, less than two hours after
// it while no stream is open, is a strike, unless the server sent HEADERS
// or DATA in between (PINGs that measure the bandwidth follow data). The
// third strike ends the connection with GOAWAY ENHANCE_YOUR_CALM and the
// debug data "too_many_pings", which grpc-go clients (and ours) answer by
// halving their keepalive rate. minTime 0 (the default) enforces nothing;
// the flood limit of WithMaxControlFrames holds either way.
func WithPingPolicy(minTime time.Duration, permitWithoutStream bool) Option {
	return optionFunc(func(c *config) { c.pingMinTime, c.pingWithoutStreams = minTime, permitWithoutStream })
}

// WithResetLimit caps the streams a client may reset: more than n within
// interval ends the connection with GOAWAY ENHANCE_YOUR_CALM (the Rapid
// Reset attack). n <= 0 disables the cap.
func WithResetLimit(n int, interval time.Duration) Option {
	return optionFunc(func(c *config) { c.maxResets, c.resetInterval = n, interval })
}

// WithMaxControlFrames caps the PING and SETTINGS frames a peer may send
// per second while we send it no HEADERS, the empty DATA frames it may send
// per second, and (times ten) the control frames queued for a peer that is
// not reading. n <= 0 disables the caps.
func WithMaxControlFrames(n int) Option {
	return optionFunc(func(c *config) { c.maxControlFrames = n })
}

// WithMaxContinuations bounds the CONTINUATION frames of one header block
// (the CONTINUATION flood); more end the connection with ENHANCE_YOUR_CALM.
func WithMaxContinuations(n int) Option {
	return optionFunc(func(c *config) { c.maxContinuations = n })
}

// WithMaxBufferedBytes caps the body bytes a connection holds unread
// across all its streams: request bodies on a server, response bodies on
// a client. Below the cap the connection window is credited as DATA
// arrives, as in grpc-go, so a stream whose reader lags holds up only
// itself (its stream window stops it). Once the unread bytes reach n, the
// connection's WINDOW_UPDATEs wait until readers consume, or streams drop,
// enough to bring them under n again, as x/net/http2 does at any level;
// the peer can then send at most what is left of the connection window,
// so a connection buffers less than n plus its connection window.
//
// The default is 4 times the larger of the connection and stream receive
// windows, following BDP growth: 4 MiB at the default windows, at most
// 64 MiB. A cap set here stays fixed as the windows grow. n <= 0 removes
// the cap, as in grpc-go: then only the stream windows bound what a
// connection buffers, MaxConcurrentStreams times a stream window that BDP
// estimation may grow to 16 MiB.
//
// At the cap, a stream that is being read cannot receive until the
// others' unread bytes are read or dropped (their handler returns, their
// stream is reset or the caller closes it). So a handler that waits, its
// own body unread, for another stream of the same connection whose data
// the cap holds back waits forever, unless something else ends one of the
// two; x/net/http2 has the same property, at a lower threshold. A cap
// below the stream window lets a single unread stream hold up the others.
func WithMaxBufferedBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			c.maxBuffered = -1
		} else {
			c.maxBuffered = int64(n)
		}
	})
}

// WithFailFast makes a client's NewStream fail with an unprocessed
// REFUSED_STREAM error, instead of waiting, when the server's
// SETTINGS_MAX_CONCURRENT_STREAMS is reached.
func WithFailFast(on bool) Option { return optionFunc(func(c *config) { c.failFast = on }) }

// WithTLSConfig makes Dial use TLS with conf, offering ALPN "h2".
func WithTLSConfig(conf *tls.Config) Option {
	return optionFunc(func(c *config) { c.tlsConfig = conf })
}
