package rpc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// Tests that need a real network: TLS, graceful stop, server restarts.

func serveOn(t *testing.T, lis net.Listener, opts ...rpc.ServerOption) (*rpc.Server, *testEcho, chan error) {
	t.Helper()
	impl := &testEcho{}
	srv, served := serveImpl(lis, impl, opts...)
	return srv, impl, served
}

// serveImpl serves impl as the echo service on lis; served gets Serve's
// result.
func serveImpl(lis net.Listener, impl echov1.EchoServiceServer, opts ...rpc.ServerOption) (srv *rpc.Server, served chan error) {
	srv = rpc.NewServer(opts...)
	echov1.RegisterEchoServiceServer(srv, impl)
	served = make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	return srv, served
}

// serveAndDial serves the echo service on a loopback port and dials it
// over h2; the server stops and the connection closes when the test ends.
func serveAndDial(t *testing.T, srvOpts []rpc.ServerOption, dialOpts ...rpc.DialOption) *rpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, served := serveOn(t, lis, srvOpts...)
	t.Cleanup(func() { srv.Stop(); <-served })
	cc, err := rpc.Dial(lis.Addr().String(), dialOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func TestTLS(t *testing.T) {
	checkGoroutines(t)
	conf, certPEM, err := transport.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	srv, _, served := serveOn(t, lis, rpc.TLSConfig(conf))
	defer func() {
		srv.Stop()
		<-served
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	cc, err := rpc.Dial(lis.Addr().String(), rpc.WithTLSConfig(&tls.Config{RootCAs: pool}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	resp, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{Message: "tls"})
	if err != nil || resp.Message != "tls" {
		t.Fatalf("%v, %v", resp, err)
	}
	// A cleartext client on the same port works too.
	cc2, _ := rpc.Dial(lis.Addr().String())
	defer cc2.Close()
	if _, err := echov1.NewEchoServiceClient(cc2).Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	// A client that does not trust the certificate fails UNAVAILABLE.
	cc3, _ := rpc.Dial(lis.Addr().String(), rpc.WithTLSConfig(&tls.Config{}))
	defer cc3.Close()
	_, err = echov1.NewEchoServiceClient(cc3).Echo(context.Background(), &echov1.EchoRequest{})
	wantCode(t, err, codes.Unavailable)
}

func TestGracefulStopOverH2(t *testing.T) {
	checkGoroutines(t)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	srv, impl, served := serveOn(t, lis)
	impl.started = make(chan string, 1)
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	// A server stream in flight: it must complete after GracefulStop
	// begins, and new calls must not start.
	stream, err := client.BidiStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "before"}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned with a stream open")
	case <-time.After(100 * time.Millisecond):
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "during"}); err != nil {
		t.Fatal(err)
	}
	if resp, err := stream.Recv(); err != nil || resp.Message != "during" {
		t.Fatalf("in-flight stream after GracefulStop: %v, %v", resp, err)
	}
	stream.CloseSend()
	if _, err := stream.Recv(); err == nil {
		t.Fatal("stream did not end")
	}
	<-stopped
	if err := <-served; err != nil {
		t.Fatalf("Serve returned %v after GracefulStop", err)
	}
	_, err = client.Echo(context.Background(), &echov1.EchoRequest{})
	wantCode(t, err, codes.Unavailable)
}

func TestReconnectAfterServerRestart(t *testing.T) {
	checkGoroutines(t)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := lis.Addr().String()
	srv, _, served := serveOn(t, lis)
	cc, _ := rpc.Dial(addr, rpc.WithConnectBackoff(10*time.Millisecond, 50*time.Millisecond))
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	if _, err := client.Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	<-served
	_, err := client.Echo(context.Background(), &echov1.EchoRequest{})
	wantCode(t, err, codes.Unavailable)

	lis, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	srv, _, served = serveOn(t, lis)
	defer func() {
		srv.Stop()
		<-served
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := client.Echo(ctx, &echov1.EchoRequest{}, rpc.WaitForReady(true)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestStopFailsCallsInFlight(t *testing.T) {
	checkGoroutines(t)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	srv, impl, served := serveOn(t, lis)
	impl.started = make(chan string, 1)
	impl.ended = make(chan error, 1)
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{Message: "sleep"})
		errc <- err
	}()
	<-impl.started
	srv.Stop()
	<-served
	wantCode(t, <-errc, codes.Unavailable)
	if err := <-impl.ended; err == nil {
		t.Fatal("handler context not cancelled by Stop")
	}
}

// drainEcho's ServerStream sends one message and then lasts until the
// server drains the call's connection.
type drainEcho struct {
	echov1.UnimplementedEchoServiceServer
}

func (drainEcho) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	if err := stream.Send(&echov1.EchoResponse{Message: req.Message}); err != nil {
		return err
	}
	select {
	case <-rpc.Draining(stream.Context()):
		return status.Error(codes.Unavailable, "draining")
	case <-time.After(10 * time.Second):
		return status.Error(codes.DeadlineExceeded, "no drain within 10s")
	}
}

// A handler learns from rpc.Draining that GracefulStop began, ends its
// long-lived call, and GracefulStop, which waits for it, returns.
func TestDrainingGracefulStop(t *testing.T) {
	checkGoroutines(t)
	if d := rpc.Draining(context.Background()); d != nil {
		t.Errorf("Draining of a context that is no call's = %v, want nil", d)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, served := serveImpl(lis, drainEcho{})
	defer func() { srv.Stop(); <-served }()
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := echov1.NewEchoServiceClient(cc).ServerStream(ctx, &echov1.EchoRequest{Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Recv(); err != nil || r.Message != "m" {
		t.Fatalf("first message: %v, %v", r, err)
	}
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	if _, err := s.Recv(); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "draining") {
		t.Fatalf("Recv during GracefulStop: %v, want UNAVAILABLE: draining", err)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("GracefulStop did not return within 5s of the call ending")
	}
}
