package rpc_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// dialMem returns a client whose connections are in-memory ones to srv
// (an rpc.Server, or a transport handler standing in for one), set up by
// prep.
func dialMem(t *testing.T, srv transport.Handler, prep func(*transporttest.Conn)) *rpc.ClientConn {
	t.Helper()
	var conns []*transporttest.Conn
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		c := transporttest.NewConn(srv)
		prep(c)
		conns = append(conns, c)
		return c, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		for _, c := range conns {
			c.Close()
		}
	})
	return cc
}

// A transport that knows nothing of its connection gives handlers no Peer
// and the client an empty one.
func TestPeerInMemoryNone(t *testing.T) {
	checkGoroutines(t)
	impl := &peerEcho{}
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, impl)
	cc := dialMem(t, srv, func(*transporttest.Conn) {})
	p := peer.Peer{Addr: &net.TCPAddr{}}
	if _, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{}, rpc.Peer(&p)); err != nil {
		t.Fatal(err)
	}
	if p != (peer.Peer{}) {
		t.Errorf("client Peer %+v, want empty", p)
	}
	if got, found := impl.take("Echo"); !found || got != nil {
		t.Errorf("handler found peer %+v (ran: %v), want none", got, found)
	}
}

// Whatever the transport reports reaches both ends, the right way round;
// and an interceptor can replace the Peer handlers see with NewContext.
func TestPeerInMemoryAddrs(t *testing.T) {
	checkGoroutines(t)
	client := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 40000}
	server := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 443}
	state := &tls.ConnectionState{NegotiatedProtocol: "h2", HandshakeComplete: true}
	proxy := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 1234}
	impl := &peerEcho{}
	srv := rpc.NewServer(rpc.UnaryInterceptor(func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
		impl.record("interceptor", ctx)
		if r, ok := req.(*echov1.EchoRequest); ok && r.Message == "proxied" {
			p, _ := peer.FromContext(ctx)
			ctx = peer.NewContext(ctx, &peer.Peer{Addr: proxy, LocalAddr: p.LocalAddr, TLS: p.TLS})
		}
		return h(ctx, req)
	}))
	echov1.RegisterEchoServiceServer(srv, impl)
	cc := dialMem(t, srv, func(c *transporttest.Conn) {
		c.ClientAddr, c.ServerAddr, c.TLS = client, server, state
	})
	echo := echov1.NewEchoServiceClient(cc)

	var p peer.Peer
	if _, err := echo.Echo(context.Background(), &echov1.EchoRequest{}, rpc.Peer(&p)); err != nil {
		t.Fatal(err)
	}
	if want := (peer.Peer{Addr: server, LocalAddr: client, TLS: state}); p != want {
		t.Errorf("client Peer %+v, want %+v", p, want)
	}
	want := peer.Peer{Addr: client, LocalAddr: server, TLS: state}
	for _, name := range []string{"interceptor", "Echo"} {
		if got, _ := impl.take(name); got == nil || *got != want {
			t.Errorf("%s found peer %+v, want %+v", name, got, want)
		}
	}

	if _, err := echo.Echo(context.Background(), &echov1.EchoRequest{Message: "proxied"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := impl.take("Echo"); got == nil || got.Addr != proxy {
		t.Errorf("handler behind NewContext found peer %+v, want Addr %v", got, proxy)
	}
}

// A Peer is built only for a call that asks, once, and belongs to the
// call: the server's pooled call state must neither hand one call's Peer
// to the next nor reuse its memory.
func TestPeerServerCallReuse(t *testing.T) {
	impl := &peerEcho{}
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, impl)
	body := []byte{0, 0, 0, 0, 0} // an empty EchoRequest
	var rec transporttest.Recorder
	call := func(remote net.Addr) {
		t.Helper()
		rec.Clear()
		rec.Req.SetMethodString("POST")
		rec.Req.SetPathString(echov1.EchoService_Echo_FullMethodName)
		rec.Req.Header.AddString("content-type", "application/grpc")
		rec.Req.RemoteAddr = remote
		rec.Body = append(rec.Body, body...)
		srv.ServeStream(&rec)
		if s, _ := rec.Trailers.Get("grpc-status"); string(s) != "0" {
			t.Fatalf("call failed: grpc-status %q", s)
		}
	}
	a := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}
	b := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 2}
	var kept []*peer.Peer
	for i := 0; i < 50; i++ {
		call(a)
		pa, _ := impl.take("Echo")
		call(nil)
		if pn, _ := impl.take("Echo"); pn != nil {
			t.Fatalf("call without an address found peer %+v, left by an earlier call", pn)
		}
		call(b)
		pb, _ := impl.take("Echo")
		if pa == nil || pb == nil || pa == pb {
			t.Fatalf("peers %p and %p, want two distinct ones", pa, pb)
		}
		kept = append(kept, pa, pb)
	}
	for i, p := range kept {
		want := net.Addr(a)
		if i%2 == 1 {
			want = b
		}
		if p.Addr != want {
			t.Fatalf("a Peer kept after its call changed: Addr %v, want %v", p.Addr, want)
		}
	}
}

// peerAskingEcho is plainEcho asking for the Peer.
type peerAskingEcho struct {
	plainEcho
	last *peer.Peer
}

func (s *peerAskingEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	s.last, _ = peer.FromContext(ctx)
	return s.plainEcho.Echo(ctx, req)
}

// Asking for the Peer costs the call one allocation, the Peer itself;
// TestServerUnaryAllocs pins that a call that does not ask pays nothing.
func TestPeerServerAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts (not under -short or -race)")
	}
	impl := &peerAskingEcho{}
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, impl)
	body := []byte{0, 0, 0, 0, 4, 10, 2, 'h', 'i'} // EchoRequest{Message: "hi"}
	remote := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}
	var rec transporttest.Recorder
	call := func() {
		rec.Clear()
		rec.Req.SetMethodString("POST")
		rec.Req.SetPathString(echov1.EchoService_Echo_FullMethodName)
		rec.Req.Header.AddString("content-type", "application/grpc")
		rec.Req.RemoteAddr = remote
		rec.Body = append(rec.Body, body...)
		srv.ServeStream(&rec)
	}
	call()
	if impl.last == nil || impl.last.Addr != remote {
		t.Fatalf("handler found peer %+v, want Addr %v", impl.last, remote)
	}
	const want = 3 + 1 // TestServerUnaryAllocs's three, and the Peer
	if a := testing.AllocsPerRun(1000, call); a > want {
		t.Fatalf("server unary call asking for its peer allocates %.1f times, want <= %d", a, want)
	}
}
