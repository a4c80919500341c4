package rpc

import (
	"context"
	"fmt"
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
	// As in grpc-go, the connection is up once the server's preface has
	// come. One that ends before it (a TCP proxy with no backend, a
	// server not up behind its proxy) is a failed attempt, which backs
	// off and which WaitForReady calls wait through, not a connection
	// whose calls fail on it one by one, each redialling at once.
	select {
	case <-c.Ready():
		return c, nil
	case <-c.Done():
	case <-ctx.Done():
	}
	select {
	case <-c.Ready(): // both happened: the preface came first
		return c, nil
	default:
	}
	err = c.Err()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = transport.ErrConnClosed
	}
	c.Close()
	return nil, fmt.Errorf("connection closed before the server's HTTP/2 preface: %w", err)
}
