package rpc

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/connectivity"
	"github.com/shockwave-rpc/shockwave/rpc/credentials"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// DialOption configures a ClientConn.
type DialOption interface{ applyDial(*dialOptions) }

type dialOptionFunc func(*dialOptions)

func (f dialOptionFunc) applyDial(o *dialOptions) { f(o) }

type dialOptions struct {
	tlsConfig       *tls.Config
	dialTimeout     time.Duration
	dialer          func(ctx context.Context, addr string) (net.Conn, error)
	transportDialer func(ctx context.Context, target string) (transport.ClientConn, error)
	keepalive       keepalive.ClientParameters
	callOpts        []CallOption
	// unaryFirst and streamFirst hold the interceptors of
	// WithUnaryInterceptor and WithStreamInterceptor: they run before the
	// chained ones wherever the options stand, as in grpc-go.
	unaryFirst  []UnaryClientInterceptor
	streamFirst []StreamClientInterceptor
	unaryInts   []UnaryClientInterceptor
	streamInts  []StreamClientInterceptor
	userAgent   string
	authority   string
	minBackoff  time.Duration
	maxBackoff  time.Duration
	h2Opts      []h2.Option
	perRPCCreds []credentials.PerRPCCredentials
}

// WithTLSConfig makes the connection use TLS with conf (ALPN "h2" is
// added when conf lists no protocols). Without it the connection is
// cleartext HTTP/2 with prior knowledge (h2c).
func WithTLSConfig(conf *tls.Config) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.tlsConfig = conf })
}

// WithInsecure makes the connection cleartext HTTP/2 (h2c), the default;
// it undoes an earlier WithTLSConfig.
func WithInsecure() DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.tlsConfig = nil })
}

// WithDialTimeout bounds each attempt to connect, TLS handshake included
// (default 20 s).
func WithDialTimeout(d time.Duration) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.dialTimeout = d })
}

// WithContextDialer connects with f instead of a net.Dialer, as grpc-go's
// option of that name; addr is the target's address.
func WithContextDialer(f func(ctx context.Context, addr string) (net.Conn, error)) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.dialer = f })
}

// WithTransportDialer makes the connection's transport with f, which
// returns a connected transport.ClientConn for target: an in-memory one in
// tests, or another HTTP version. It replaces the HTTP/2 dialer, TLS
// included.
func WithTransportDialer(f func(ctx context.Context, target string) (transport.ClientConn, error)) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.transportDialer = f })
}

// WithKeepaliveParams turns keepalive PINGs on, as grpc-go's option of
// that name (see package keepalive). A server that finds them too
// frequent closes the connection with GOAWAY "too_many_pings"; the client
// then doubles kp.Time for its next connections, as grpc-go's does.
func WithKeepaliveParams(kp keepalive.ClientParameters) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.keepalive = kp })
}

// WithDefaultCallOptions applies opts to every call, before the call's own.
func WithDefaultCallOptions(opts ...CallOption) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.callOpts = append(o.callOpts, opts...) })
}

// WithUnaryInterceptor adds a unary interceptor that runs before those of
// WithChainUnaryInterceptor, wherever the options stand, as in grpc-go;
// given many times, those run in the order added, the first outermost.
func WithUnaryInterceptor(i UnaryClientInterceptor) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.unaryFirst = append(o.unaryFirst, i) })
}

// WithChainUnaryInterceptor adds unary interceptors, run in order.
func WithChainUnaryInterceptor(is ...UnaryClientInterceptor) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.unaryInts = append(o.unaryInts, is...) })
}

// WithStreamInterceptor adds a stream interceptor that runs before those
// of WithChainStreamInterceptor (see WithUnaryInterceptor).
func WithStreamInterceptor(i StreamClientInterceptor) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.streamFirst = append(o.streamFirst, i) })
}

// WithChainStreamInterceptor adds stream interceptors, run in order.
func WithChainStreamInterceptor(is ...StreamClientInterceptor) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.streamInts = append(o.streamInts, is...) })
}

// WithUserAgent puts ua before Shockwave's own in the user-agent header,
// as grpc-go does.
func WithUserAgent(ua string) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.userAgent = ua })
}

// WithAuthority sets :authority (and the TLS server name when the TLS
// config has none) instead of the target's host.
func WithAuthority(a string) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.authority = a })
}

// WithConnectBackoff sets the wait after a failed connection attempt: it
// starts at min and grows by 1.6x up to max (defaults 100 ms and 5 s).
// Calls made while waiting fail with UNAVAILABLE unless WaitForReady.
func WithConnectBackoff(min, max time.Duration) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.minBackoff, o.maxBackoff = min, max })
}

// ClientConn is a client connection to one server, shared by any number of
// concurrent calls multiplexed over one HTTP/2 connection. It connects on
// the first call, and again when the connection fails or the server sends
// GOAWAY. It implements ClientConnInterface for generated clients.
type ClientConn struct {
	target    string
	network   string
	addr      string
	authority string
	scheme    string
	userAgent string
	opts      dialOptions

	unaryInt  UnaryClientInterceptor
	streamInt StreamClientInterceptor
	invoker   UnaryInvoker
	streamer  Streamer

	mu      sync.Mutex
	cur     *connRef
	dialing chan struct{}
	lastErr error
	retryAt time.Time
	backoff time.Duration
	closed  bool
	all     map[*connRef]struct{}
	// stateCh is closed, and replaced, when the fields GetState derives
	// the state from change (see changedLocked).
	stateCh chan struct{}
	// keepaliveTime is the keepalive interval of the next connection:
	// opts.keepalive.Time, doubled each time a server said
	// too_many_pings.
	keepaliveTime time.Duration
	dials         sync.WaitGroup
	// dialCtx is cancelled by Close, so Close does not wait out a dial.
	dialCtx  context.Context
	dialStop context.CancelFunc
}

var _ ClientConnInterface = (*ClientConn)(nil)

// connRef counts the calls on one transport connection, so a connection
// that was replaced after GOAWAY is closed once its last call ends. It
// stays in its ClientConn's all until then, so that Close closes it too,
// failing the calls still on it.
type connRef struct {
	cc      *ClientConn
	tc      transport.ClientConn
	active  atomic.Int32
	retired atomic.Bool
	closed  atomic.Bool
}

func (r *connRef) release() {
	if r.active.Add(-1) == 0 && r.retired.Load() {
		r.close()
	}
}

func (r *connRef) retire() {
	r.retired.Store(true)
	if r.active.Load() == 0 {
		r.close()
	}
}

// close closes the connection, once. The caller must not hold r.cc.mu.
func (r *connRef) close() {
	if r.closed.CompareAndSwap(false, true) {
		r.cc.mu.Lock()
		delete(r.cc.all, r)
		r.cc.mu.Unlock()
		r.tc.Close()
	}
}

// Dial returns a ClientConn for target: "host:port", "dns:///host:port",
// "passthrough:///addr" or "unix:///path" (also "unix:path"). It does not
// connect; the first call does.
func Dial(target string, opts ...DialOption) (*ClientConn, error) {
	cc := &ClientConn{target: target, all: make(map[*connRef]struct{}), stateCh: make(chan struct{})}
	cc.dialCtx, cc.dialStop = context.WithCancel(context.Background())
	cc.opts.dialTimeout = 20 * time.Second
	cc.opts.minBackoff = 100 * time.Millisecond
	cc.opts.maxBackoff = 5 * time.Second
	for _, o := range opts {
		o.applyDial(&cc.opts)
	}
	cc.keepaliveTime = cc.opts.keepalive.Time
	cc.network, cc.addr = "tcp", target
	switch {
	case strings.HasPrefix(target, "dns:///"):
		cc.addr = target[len("dns:///"):]
	case strings.HasPrefix(target, "passthrough:///"):
		cc.addr = target[len("passthrough:///"):]
	case strings.HasPrefix(target, "unix:///"):
		cc.network, cc.addr = "unix", target[len("unix://"):]
	case strings.HasPrefix(target, "unix:"):
		cc.network, cc.addr = "unix", target[len("unix:"):]
	}
	if cc.addr == "" {
		return nil, errors.New("rpc: empty target")
	}
	cc.authority = cc.addr
	if cc.network == "unix" {
		cc.authority = "localhost"
	}
	if cc.opts.authority != "" {
		cc.authority = cc.opts.authority
	}
	cc.scheme = "http"
	if cc.opts.tlsConfig != nil {
		cc.scheme = "https"
	}
	for _, c := range cc.opts.perRPCCreds {
		if c.RequireTransportSecurity() && cc.opts.tlsConfig == nil && cc.opts.transportDialer == nil {
			return nil, errCredsNeedTLS
		}
	}
	cc.userAgent = defaultUserAgent
	if cc.opts.userAgent != "" {
		cc.userAgent = cc.opts.userAgent + " " + defaultUserAgent
	}
	cc.unaryInt = ChainUnaryClient(slices.Concat(cc.opts.unaryFirst, cc.opts.unaryInts)...)
	cc.streamInt = ChainStreamClient(slices.Concat(cc.opts.streamFirst, cc.opts.streamInts)...)
	// The innermost invoker and streamer send on the connection they are
	// given, as grpc-go's do, so an interceptor may route a call to
	// another connection (nil means this one).
	cc.invoker = func(ctx context.Context, method string, req, reply any, on *ClientConn, opts ...CallOption) error {
		if on == nil {
			on = cc
		}
		return on.invoke(ctx, method, req, reply, opts...)
	}
	cc.streamer = func(ctx context.Context, desc *StreamDesc, on *ClientConn, method string, opts ...CallOption) (ClientStream, error) {
		if on == nil {
			on = cc
		}
		return on.newStream(ctx, desc, method, opts...)
	}
	return cc, nil
}

// NewClient is Dial, under grpc-go's newer name.
func NewClient(target string, opts ...DialOption) (*ClientConn, error) {
	return Dial(target, opts...)
}

// Target returns the target Dial was given.
func (cc *ClientConn) Target() string { return cc.target }

// ErrClientConnClosing fails calls on a ClientConn after Close, as grpc-go's
// value of that name (code CANCELED).
var ErrClientConnClosing = status.Error(codes.Canceled, "grpc: the client connection is closing")

// Close closes the connection, failing calls in flight.
func (cc *ClientConn) Close() error {
	cc.mu.Lock()
	if cc.closed {
		cc.mu.Unlock()
		return ErrClientConnClosing
	}
	cc.closed = true
	cc.changedLocked()
	refs := make([]*connRef, 0, len(cc.all))
	for r := range cc.all {
		refs = append(refs, r)
	}
	cc.all = nil
	cc.cur = nil
	cc.mu.Unlock()
	cc.dialStop()
	for _, r := range refs {
		r.close()
	}
	cc.dials.Wait()
	return nil
}

// Connect starts connecting now rather than on the first call, and waits
// until it is connected or ctx ends.
func (cc *ClientConn) Connect(ctx context.Context) error {
	r, err := cc.conn(ctx, true)
	if err != nil {
		return err
	}
	r.release()
	return nil
}

// conn returns the current transport connection with a call counted on
// it, connecting if there is none or the last one is done. The caller
// must release it.
func (cc *ClientConn) conn(ctx context.Context, waitForReady bool) (*connRef, error) {
	for {
		cc.mu.Lock()
		if cc.closed {
			cc.mu.Unlock()
			return nil, ErrClientConnClosing
		}
		if gone := cc.dropGoneLocked(); gone != nil {
			cc.mu.Unlock()
			gone.retire()
			continue
		}
		if r := cc.cur; r != nil {
			r.active.Add(1)
			cc.mu.Unlock()
			return r, nil
		}
		wait := cc.dialing
		if wait == nil {
			if d := time.Until(cc.retryAt); d > 0 {
				lastErr := cc.lastErr
				cc.mu.Unlock()
				if !waitForReady {
					return nil, status.Error(codes.Unavailable, "connection error: "+lastErr.Error())
				}
				t := time.NewTimer(d)
				select {
				case <-t.C:
					continue
				case <-cc.dialCtx.Done():
					// Close: the top of the loop says so.
					t.Stop()
					continue
				case <-ctx.Done():
					t.Stop()
					return nil, status.FromContextError(ctx.Err()).Err()
				}
			}
			wait = make(chan struct{})
			cc.dialing = wait
			cc.changedLocked()
			cc.dials.Add(1)
			go cc.dial(wait)
		}
		cc.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		cc.mu.Lock()
		err := cc.lastErr
		ok := cc.cur != nil
		cc.mu.Unlock()
		if !ok && !waitForReady && err != nil {
			return nil, status.Error(codes.Unavailable, "connection error: "+err.Error())
		}
	}
}

// dropGoneLocked lets go of the current connection if its Done is closed
// (GOAWAY or failure): calls in flight may finish on it, new ones go to a
// new connection. It returns the connection let go, which the caller
// retires after unlocking, or nil.
func (cc *ClientConn) dropGoneLocked() *connRef {
	r := cc.cur
	if r == nil {
		return nil
	}
	select {
	case <-r.tc.Done():
	default:
		return nil
	}
	// It stays in cc.all, where Close finds it, until it is closed.
	cc.cur = nil
	if tooManyPings(r.tc.Err()) && cc.keepaliveTime > 0 {
		// grpc-go's client does the same (and logs it).
		cc.keepaliveTime = min(cc.keepaliveTime, maxKeepaliveTime/2) * 2
	}
	cc.changedLocked()
	return r
}

// changedLocked wakes WaitForStateChange: a field the state derives from
// changed.
func (cc *ClientConn) changedLocked() {
	close(cc.stateCh)
	cc.stateCh = make(chan struct{})
}

// GetState reports the connection's state, as grpc-go's ClientConn.GetState
// does. Unlike grpc-go's, a ClientConn connects on demand: it is IDLE after
// Dial until a call or Connect, IDLE again after it lost its connection,
// and it stays in TRANSIENT_FAILURE after a failed attempt until a call
// or Connect tries again (past the backoff). So a readiness check calls
// Connect(ctx), which connects and waits, rather than looping on
// WaitForStateChange from IDLE.
func (cc *ClientConn) GetState() connectivity.State {
	s, _, _ := cc.state()
	return s
}

// state returns the state, the channel closed when it may change, and the
// Done channel of the current connection, whose closing changes it too.
func (cc *ClientConn) state() (connectivity.State, <-chan struct{}, <-chan struct{}) {
	cc.mu.Lock()
	gone := cc.dropGoneLocked()
	var s connectivity.State
	var done <-chan struct{}
	switch {
	case cc.closed:
		s = connectivity.Shutdown
	case cc.cur != nil:
		s, done = connectivity.Ready, cc.cur.tc.Done()
	case cc.dialing != nil:
		s = connectivity.Connecting
	case cc.lastErr != nil:
		s = connectivity.TransientFailure
	default:
		s = connectivity.Idle
	}
	ch := cc.stateCh
	cc.mu.Unlock()
	if gone != nil {
		gone.retire()
	}
	return s, ch, done
}

// WaitForStateChange waits until the state differs from source, and
// reports true, or until ctx ends, and reports false, as grpc-go's.
func (cc *ClientConn) WaitForStateChange(ctx context.Context, source connectivity.State) bool {
	for {
		s, changed, gone := cc.state()
		if s != source {
			return true
		}
		select {
		case <-changed:
		case <-gone:
		case <-ctx.Done():
			return false
		}
	}
}

// maxKeepaliveTime bounds the doubling of the keepalive interval: past it,
// which no server policy asks for, keepalive PINGs are as good as off.
const maxKeepaliveTime = 1 << 62

// tooManyPings reports whether err is the server's GOAWAY for a client
// that broke its PING policy: ENHANCE_YOUR_CALM with the debug data
// "too_many_pings", as grpc-go's servers (and ours) send it.
func tooManyPings(err error) bool {
	var ga *h2.GoAwayError
	return errors.As(err, &ga) && ga.Code == transport.EnhanceYourCalm && ga.Debug == "too_many_pings"
}

// dial connects once, on a goroutine of its own so that the calls waiting
// for it can give up when their contexts end while it goes on for the
// others.
func (cc *ClientConn) dial(done chan struct{}) {
	defer cc.dials.Done()
	ctx, cancel := context.WithTimeout(cc.dialCtx, cc.opts.dialTimeout)
	defer cancel()
	var tc transport.ClientConn
	var err error
	if cc.opts.transportDialer != nil {
		tc, err = cc.opts.transportDialer(ctx, cc.target)
	} else {
		tc, err = cc.dialH2(ctx)
	}
	cc.mu.Lock()
	defer close(done)
	defer cc.mu.Unlock()
	cc.dialing = nil
	cc.changedLocked()
	if err != nil {
		cc.lastErr = err
		if cc.backoff == 0 {
			cc.backoff = cc.opts.minBackoff
		} else if cc.backoff = cc.backoff * 8 / 5; cc.backoff > cc.opts.maxBackoff {
			cc.backoff = cc.opts.maxBackoff
		}
		cc.retryAt = time.Now().Add(cc.backoff)
		return
	}
	if cc.closed {
		tc.Close()
		return
	}
	cc.lastErr, cc.backoff, cc.retryAt = nil, 0, time.Time{}
	r := &connRef{cc: cc, tc: tc}
	cc.cur = r
	cc.all[r] = struct{}{}
}

// dialNet opens the network connection for the HTTP/2 dialer, with TLS
// when configured.
func (cc *ClientConn) dialNet(ctx context.Context) (net.Conn, error) {
	var c net.Conn
	var err error
	if cc.opts.dialer != nil {
		c, err = cc.opts.dialer(ctx, cc.addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, cc.network, cc.addr)
	}
	if err != nil {
		return nil, err
	}
	if cc.opts.tlsConfig == nil {
		return c, nil
	}
	conf := cc.opts.tlsConfig.Clone()
	if len(conf.NextProtos) == 0 {
		conf.NextProtos = []string{"h2"}
	}
	if conf.ServerName == "" {
		host := cc.authority
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		conf.ServerName = host
	}
	tc := tls.Client(c, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		tc.Close()
		return nil, errors.New("rpc: server did not negotiate h2 over TLS (ALPN " + p + ")")
	}
	return tc, nil
}
