package rpc_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// keepaliveEvery is the clients' keepalive interval in these tests.
const keepaliveEvery = 20 * time.Millisecond

// pingingCall serves EchoService with srvOpts and dials it with keepalive
// PINGs every keepaliveEvery (permitWithoutStream as given). It returns
// the client connection and a bidi call that has made one round trip, so
// a stream is open and the server has sent data; both end with the test.
func pingingCall(t *testing.T, permitWithoutStream bool, srvOpts ...rpc.ServerOption) (*rpc.ClientConn, echov1.EchoService_BidiStreamClient) {
	t.Helper()
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	srv, _, served := serveOn(t, lis, srvOpts...)
	cc, _ := rpc.Dial(lis.Addr().String(), rpc.WithKeepaliveParams(keepalive.ClientParameters{Time: keepaliveEvery, Timeout: 5 * time.Second, PermitWithoutStream: permitWithoutStream}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(func() {
		cancel()
		cc.Close()
		srv.Stop()
		<-served
	})
	stream, err := echov1.NewEchoServiceClient(cc).BidiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	return cc, stream
}

// A client that pings more often than the server's policy allows (here
// the default, grpc-go's: once per 5 minutes) loses its connection with
// GOAWAY too_many_pings; the call open on it fails UNAVAILABLE and says
// so, and the client doubles its keepalive interval for the next
// connection, as grpc-go's does.
func TestKeepaliveTooManyPings(t *testing.T) {
	checkGoroutines(t)
	cc, stream := pingingCall(t, false)
	// Silent now: the client pings every 20 ms, the third strike ends it.
	_, err := stream.Recv()
	if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "too_many_pings") {
		t.Fatalf("message %q, want the GOAWAY's too_many_pings", st.Message())
	}
	if _, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatalf("call after the GOAWAY: %v", err)
	}
	if got := cc.KeepaliveTime(); got != 2*keepaliveEvery {
		t.Fatalf("keepalive interval %v after too_many_pings, want %v", got, 2*keepaliveEvery)
	}
}

// Within the policy nothing happens: a server that permits them takes the
// same PINGs for as long as they come.
func TestKeepaliveWithinPolicy(t *testing.T) {
	checkGoroutines(t)
	cc, stream := pingingCall(t, true, rpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Millisecond, PermitWithoutStream: true}))
	time.Sleep(20 * keepaliveEvery)
	if err := stream.Send(&echov1.EchoRequest{Message: "still"}); err != nil {
		t.Fatal(err)
	}
	if resp, err := stream.Recv(); err != nil || resp.Message != "still" {
		t.Fatalf("stream after 20 keepalive intervals: %v, %v", resp, err)
	}
	stream.CloseSend()
	if got := cc.KeepaliveTime(); got != keepaliveEvery {
		t.Fatalf("keepalive interval %v, want %v", got, keepaliveEvery)
	}
}

// MaxConnectionAge sends clients to new connections, without failing the
// calls: a steady stream of calls crosses several connection ages, and
// every call succeeds. (The ages' timing is checked under synctest in
// transport/h2; here the calls go on until the third connection, however
// long a loaded machine takes.)
func TestMaxConnectionAge(t *testing.T) {
	checkGoroutines(t)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	cl := &transporttest.CountingListener{Listener: lis}
	srv, _, served := serveOn(t, cl, rpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: 100 * time.Millisecond, MaxConnectionAgeGrace: 5 * time.Second}))
	defer func() {
		srv.Stop()
		<-served
	}()
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	var wg sync.WaitGroup
	deadline := time.Now().Add(20 * time.Second)
	for range 4 {
		wg.Go(func() {
			for cl.Accepted() < 3 && time.Now().Before(deadline) {
				if _, err := client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}); err != nil {
					t.Errorf("call across connection ages: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := cl.Accepted(); n < 3 {
		t.Fatalf("%d connections in 20 s with a 100 ms maximum age, want 3 or more", n)
	}
}
