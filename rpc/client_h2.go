package rpc

import (
	"context"
	"time"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// WithH2Options passes options to the HTTP/2 client connection (windows,
// frame size, header limits). They win over what other options set, such
// as WithKeepaliveParams.
func WithH2Options(opts ...h2.Option) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.h2Opts = append(o.h2Opts, opts...) })
}

// dialH2 connects with HTTP/2: TLS with ALPN "h2" when configured, else
// cleartext with prior knowledge (RFC 9113 §3.3).
func (cc *ClientConn) dialH2(ctx context.Context) (transport.ClientConn, error) {
	nc, err := cc.dialNet(ctx)
	if err != nil {
		return nil, err
	}
	opts := cc.opts.h2Opts
	cc.mu.Lock()
	kaTime := cc.keepaliveTime
	cc.mu.Unlock()
	if kaTime > 0 {
		kp := cc.opts.keepalive
		timeout := kp.Timeout
		if timeout <= 0 {
			timeout = 20 * time.Second
		}
		// First, so that options given through WithH2Options win, as
		// H2Options do on the server.
		opts = append([]h2.Option{h2.WithKeepAlive(kaTime, timeout), h2.WithKeepAliveWithoutStreams(kp.PermitWithoutStream)}, opts...)
	}
	c, err := h2.NewClientConn(nc, opts...)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}
