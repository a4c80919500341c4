package rpc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"sync"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// peerEcho records the Peer each handler and interceptor finds in its
// context, by name; a nil entry means FromContext reported none.
type peerEcho struct {
	echov1.UnimplementedEchoServiceServer
	mu   sync.Mutex
	seen map[string]*peer.Peer
}

func (s *peerEcho) record(name string, ctx context.Context) {
	p, ok := peer.FromContext(ctx)
	if ok != (p != nil) {
		panic("peer.FromContext: ok disagrees with p")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]*peer.Peer)
	}
	s.seen[name] = p
}

// take returns what name saw and forgets it; found is false if name was
// never recorded.
func (s *peerEcho) take(name string) (p *peer.Peer, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found = s.seen[name]
	delete(s.seen, name)
	return p, found
}

func (s *peerEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	s.record("Echo", ctx)
	if req.Message == "fail" {
		return nil, status.Error(codes.FailedPrecondition, "failing on purpose")
	}
	return &echov1.EchoResponse{Message: req.Message}, nil
}

func (s *peerEcho) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	s.record("ServerStream", stream.Context())
	if req.Message == "fail" {
		return status.Error(codes.FailedPrecondition, "failing on purpose")
	}
	return stream.Send(&echov1.EchoResponse{Message: req.Message})
}

func (s *peerEcho) BidiStream(stream rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	// Asked from another goroutine too, as a handler may: the Peer is
	// built once, safely.
	done := make(chan struct{})
	go func() {
		defer close(done)
		peer.FromContext(stream.Context())
	}()
	s.record("BidiStream", stream.Context())
	<-done
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&echov1.EchoResponse{Message: req.Message}); err != nil {
			return err
		}
	}
}

func (s *peerEcho) interceptors() []rpc.ServerOption {
	return []rpc.ServerOption{
		rpc.UnaryInterceptor(func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			s.record("unary interceptor", ctx)
			return h(ctx, req)
		}),
		rpc.StreamInterceptor(func(srv any, ss rpc.ServerStream, info *rpc.StreamServerInfo, h rpc.StreamHandler) error {
			s.record("stream interceptor "+info.FullMethod, ss.Context())
			return h(srv, ss)
		}),
	}
}

// connRecorder is a dialer that keeps the connections it makes, so a test
// knows the client's end of each.
type connRecorder struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (r *connRecorder) dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
	return c, nil
}

// only returns the one connection made.
func (r *connRecorder) only(t *testing.T) net.Conn {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.conns) != 1 {
		t.Fatalf("%d connections dialled, want 1", len(r.conns))
	}
	return r.conns[0]
}

func TestPeerH2(t *testing.T) {
	conf, certPEM, err := transport.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	for _, tc := range []struct {
		name      string
		serverTLS *tls.Config
		clientTLS *tls.Config
	}{
		{name: "h2c"},
		{name: "tls", serverTLS: conf, clientTLS: &tls.Config{RootCAs: pool}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			impl := &peerEcho{}
			opts := impl.interceptors()
			if tc.serverTLS != nil {
				opts = append(opts, rpc.TLSConfig(tc.serverTLS))
			}
			srv := rpc.NewServer(opts...)
			echov1.RegisterEchoServiceServer(srv, impl)
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(lis) }()
			defer func() {
				srv.Stop()
				<-served
			}()
			var rec connRecorder
			dopts := []rpc.DialOption{rpc.WithContextDialer(rec.dial)}
			if tc.clientTLS != nil {
				dopts = append(dopts, rpc.WithTLSConfig(tc.clientTLS))
			}
			cc, err := rpc.Dial(lis.Addr().String(), dopts...)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			client := echov1.NewEchoServiceClient(cc)
			ctx := context.Background()

			// checkTLS checks a Peer's TLS state against the transport
			// in use.
			checkTLS := func(who string, p *peer.Peer) {
				t.Helper()
				if tc.serverTLS == nil {
					if p.TLS != nil {
						t.Errorf("%s: TLS state %+v on a cleartext connection", who, p.TLS)
					}
					return
				}
				if p.TLS == nil {
					t.Fatalf("%s: no TLS state on a TLS connection", who)
				}
				if !p.TLS.HandshakeComplete || p.TLS.NegotiatedProtocol != "h2" {
					t.Errorf("%s: TLS handshake complete %v, ALPN %q; want true, h2", who, p.TLS.HandshakeComplete, p.TLS.NegotiatedProtocol)
				}
			}
			// serverSaw checks what a handler or interceptor found: the
			// client's end of the dialled connection, and the listener.
			serverSaw := func(name string) {
				t.Helper()
				p, found := impl.take(name)
				if !found {
					t.Fatalf("%s did not run", name)
				}
				if p == nil {
					t.Fatalf("%s: peer.FromContext found no peer", name)
				}
				nc := rec.only(t)
				if p.Addr == nil || p.Addr.String() != nc.LocalAddr().String() {
					t.Errorf("%s: Addr %v, want the client's end %v", name, p.Addr, nc.LocalAddr())
				}
				if p.LocalAddr == nil || p.LocalAddr.String() != lis.Addr().String() {
					t.Errorf("%s: LocalAddr %v, want the listener's %v", name, p.LocalAddr, lis.Addr())
				}
				checkTLS(name, p)
			}
			// clientGot checks a Peer the rpc.Peer option filled: the
			// mirror image.
			clientGot := func(what string, p *peer.Peer) {
				t.Helper()
				nc := rec.only(t)
				if p.Addr == nil || p.Addr.String() != lis.Addr().String() {
					t.Errorf("%s: Addr %v, want the server's %v", what, p.Addr, lis.Addr())
				}
				if p.LocalAddr == nil || p.LocalAddr.String() != nc.LocalAddr().String() {
					t.Errorf("%s: LocalAddr %v, want the dialled end %v", what, p.LocalAddr, nc.LocalAddr())
				}
				checkTLS(what, p)
				if p.TLS != nil && len(p.TLS.PeerCertificates) != 1 {
					t.Errorf("%s: %d server certificates, want 1", what, len(p.TLS.PeerCertificates))
				}
			}

			var p peer.Peer
			if _, err := client.Echo(ctx, &echov1.EchoRequest{Message: "hi"}, rpc.Peer(&p)); err != nil {
				t.Fatal(err)
			}
			clientGot("unary", &p)
			serverSaw("Echo")
			serverSaw("unary interceptor")

			p = peer.Peer{}
			_, err = client.Echo(ctx, &echov1.EchoRequest{Message: "fail"}, rpc.Peer(&p))
			if status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("failing unary call: %v, want FailedPrecondition", err)
			}
			clientGot("failed unary", &p)
			serverSaw("Echo")

			p = peer.Peer{}
			ss, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "s"}, rpc.Peer(&p))
			if err != nil {
				t.Fatal(err)
			}
			// Filled when NewStream returns, before any response.
			clientGot("server stream, opened", &p)
			if _, err := ss.Recv(); err != nil {
				t.Fatal(err)
			}
			if _, err := ss.Recv(); err != io.EOF {
				t.Fatalf("server stream ended with %v, want io.EOF", err)
			}
			clientGot("server stream, ended", &p)
			serverSaw("ServerStream")
			serverSaw("stream interceptor " + echov1.EchoService_ServerStream_FullMethodName)

			p = peer.Peer{}
			ss, err = client.ServerStream(ctx, &echov1.EchoRequest{Message: "fail"}, rpc.Peer(&p))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ss.Recv(); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("failing stream: %v, want FailedPrecondition", err)
			}
			clientGot("failed server stream", &p)
			serverSaw("ServerStream")

			p = peer.Peer{}
			bidi, err := client.BidiStream(ctx, rpc.Peer(&p))
			if err != nil {
				t.Fatal(err)
			}
			if err := bidi.Send(&echov1.EchoRequest{Message: "b"}); err != nil {
				t.Fatal(err)
			}
			if _, err := bidi.Recv(); err != nil {
				t.Fatal(err)
			}
			bidi.CloseSend()
			if _, err := bidi.Recv(); err != io.EOF {
				t.Fatalf("bidi stream ended with %v, want io.EOF", err)
			}
			clientGot("bidi stream", &p)
			serverSaw("BidiStream")
			serverSaw("stream interceptor " + echov1.EchoService_BidiStream_FullMethodName)
		})
	}
}

// A call that never reaches a connection leaves the Peer as it was, as
// grpc-go's does.
func TestPeerUntouchedWithoutConnection(t *testing.T) {
	checkGoroutines(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	cc, err := rpc.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	sentinel := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}
	p := peer.Peer{Addr: sentinel}
	_, err = echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{}, rpc.Peer(&p))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("call to a closed port: %v, want Unavailable", err)
	}
	if p.Addr != sentinel || p.LocalAddr != nil || p.TLS != nil {
		t.Fatalf("Peer changed to %+v by a call that had no connection", p)
	}
}
