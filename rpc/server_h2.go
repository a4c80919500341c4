package rpc

import (
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

// newH2Server returns the constructor of the HTTP/2 connection server that
// Serve uses.
func newH2Server(opts []h2.Option) func(h transport.Handler) (transport.ConnServer, error) {
	return func(h transport.Handler) (transport.ConnServer, error) {
		return h2.NewServer(h, opts...), nil
	}
}
