package rpc

import (
	"cmp"
	"time"

	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// H2Options passes options to the HTTP/2 connection server Serve uses
// (flow-control windows, max concurrent streams, keepalive, limits).
func H2Options(opts ...h2.Option) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.h2Opts = append(o.h2Opts, opts...) })
}

// MaxConcurrentStreams sets how many calls each client connection may have
// open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; default 100).
func MaxConcurrentStreams(n uint32) ServerOption {
	return H2Options(h2.WithMaxConcurrentStreams(n))
}

// KeepaliveParams sets how long the server keeps connections (idle time,
// age) and how it checks that they are alive, as grpc-go's option of that
// name; see package keepalive for the fields and their defaults.
func KeepaliveParams(kp keepalive.ServerParameters) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.keepalive = kp })
}

// KeepaliveEnforcementPolicy sets what the server holds clients' PINGs to,
// as grpc-go's option of that name. The default is grpc-go's: at most one
// PING per 5 minutes, and one per two hours while no call is open; a
// client that pings more often has its connection closed with GOAWAY
// "too_many_pings".
func KeepaliveEnforcementPolicy(ep keepalive.EnforcementPolicy) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.pingPolicy = ep })
}

// grpc-go's defaults for the keepalive settings (keepalive.ServerParameters
// and EnforcementPolicy).
const (
	defaultServerKeepaliveTime    = 2 * time.Hour
	defaultServerKeepaliveTimeout = 20 * time.Second
	defaultPingMinTime            = 5 * time.Minute
)

// h2Options returns the HTTP/2 options for the keepalive settings, then
// those given through H2Options, which therefore win.
func (o *serverOptions) h2Options() []h2.Option {
	kp, ep := o.keepalive, o.pingPolicy
	opts := make([]h2.Option, 0, 4+len(o.h2Opts))
	opts = append(opts,
		h2.WithKeepAlive(cmp.Or(kp.Time, defaultServerKeepaliveTime), cmp.Or(kp.Timeout, defaultServerKeepaliveTimeout)),
		h2.WithPingPolicy(cmp.Or(ep.MinTime, defaultPingMinTime), ep.PermitWithoutStream))
	if kp.MaxConnectionIdle > 0 {
		opts = append(opts, h2.WithIdleTimeout(kp.MaxConnectionIdle))
	}
	if kp.MaxConnectionAge > 0 {
		opts = append(opts, h2.WithMaxConnectionAge(kp.MaxConnectionAge, kp.MaxConnectionAgeGrace))
	}
	return append(opts, o.h2Opts...)
}

// newH2Server returns the constructor of the HTTP/2 connection server that
// Serve uses.
func newH2Server(opts []h2.Option) func(h transport.Handler) (transport.ConnServer, error) {
	return func(h transport.Handler) (transport.ConnServer, error) {
		return h2.NewServer(h, opts...), nil
	}
}
