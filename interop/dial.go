package interop

import (
	"context"
	"crypto/tls"
	"errors"
	"net"

	"github.com/shockwave-rpc/shockwave/interop/internal/wiretap"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// DialConfig says how the interop client connects.
type DialConfig struct {
	// Addr is the server's host:port.
	Addr string
	// TLS, when set, makes the connection TLS with ALPN h2; otherwise it
	// is cleartext HTTP/2 (h2c).
	TLS *tls.Config
	// Authority overrides :authority (--server_host_override).
	Authority string
	// Tapped makes the connection's streams tappable (see
	// internal/wiretap), which the compression cases need. Otherwise the
	// rpc package dials on its own.
	Tapped bool
}

// Dial returns a connection to the server.
func Dial(cfg DialConfig) (*rpc.ClientConn, error) {
	var opts []rpc.DialOption
	if cfg.Authority != "" {
		opts = append(opts, rpc.WithAuthority(cfg.Authority))
	}
	if cfg.TLS != nil {
		opts = append(opts, rpc.WithTLSConfig(cfg.TLS))
	}
	if cfg.Tapped {
		opts = append(opts, rpc.WithTransportDialer(func(ctx context.Context, _ string) (transport.ClientConn, error) {
			return dialTapped(ctx, cfg)
		}))
	}
	return rpc.Dial(cfg.Addr, opts...)
}

// dialTapped connects as the rpc package does, with the HTTP/2 client of
// transport/h2, and wraps the connection in a tap.
func dialTapped(ctx context.Context, cfg DialConfig) (transport.ClientConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	if cfg.TLS != nil {
		conf := cfg.TLS.Clone()
		conf.NextProtos = []string{"h2"}
		if conf.ServerName == "" {
			host, _, _ := net.SplitHostPort(cfg.Addr)
			conf.ServerName = host
		}
		tc := tls.Client(nc, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			tc.Close()
			return nil, errors.New("interop: the server did not negotiate h2 (ALPN " + p + ")")
		}
		nc = tc
	}
	c, err := h2.NewClientConn(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return wiretap.Conn(c), nil
}
