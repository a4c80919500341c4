// Package peer carries the other end of a call's connection in a context,
// as grpc-go's google.golang.org/grpc/peer does, under the same names.
//
// On the server, the context a handler or interceptor is given answers
// FromContext with the client's address, the server's own address and the
// connection's TLS state. The Peer is built the first time it is asked
// for, so calls that never ask cost nothing for it. On the client, the
// rpc.Peer call option fills a Peer with the same facts seen from the
// client's side.
package peer

import (
	"context"
	"crypto/tls"
	"net"
)

// Peer describes the connection a call travels on, as one end sees it.
//
// Coming from grpc-go: Addr and LocalAddr are grpc-go's fields of those
// names. grpc-go keeps the TLS state behind AuthInfo, as a
// credentials.TLSInfo whose State is a tls.ConnectionState; here TLS
// points at that state directly, so p.AuthInfo.(credentials.TLSInfo).State
// becomes *p.TLS, and a nil AuthInfo becomes a nil TLS.
type Peer struct {
	// Addr is the other end's address: the client's on the server, the
	// server's on the client.
	Addr net.Addr
	// LocalAddr is this end's own address of the connection.
	LocalAddr net.Addr
	// TLS is the connection's TLS state: the negotiated version, cipher
	// suite, ALPN protocol and the peer's certificates. It is nil on
	// cleartext connections (h2c). Calls on one connection share it, so
	// it must not be modified.
	TLS *tls.ConnectionState
}

// key is unexported so only this package sets or reads the value. The rpc
// server answers it from its call context without a NewContext (it learns
// the key by watching which one FromContext asks a context for), which
// is why FromContext must stay a single Value lookup.
type key struct{}

// NewContext returns a copy of ctx that carries p.
func NewContext(ctx context.Context, p *Peer) context.Context {
	return context.WithValue(ctx, key{}, p)
}

// FromContext returns the Peer ctx carries. ok is false when it carries
// none, which on a server means the transport knows nothing of the
// connection (an in-memory one).
func FromContext(ctx context.Context) (p *Peer, ok bool) {
	p, ok = ctx.Value(key{}).(*Peer)
	return p, ok
}
