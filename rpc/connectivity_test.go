package rpc_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/connectivity"
)

// A ClientConn's states, as grpc-go names them: IDLE until it connects,
// READY, IDLE again when the server goes away, TRANSIENT_FAILURE when it
// cannot connect, READY once a server is back, SHUTDOWN after Close.
// WaitForStateChange wakes on each change and gives up with its context.
func TestConnectivityStates(t *testing.T) {
	checkGoroutines(t)
	// The dialer goes wherever addr points, or fails while it is empty:
	// no port is freed and listened on again, which another test could
	// take meanwhile.
	var addr atomic.Value
	dial := func(ctx context.Context, _ string) (net.Conn, error) {
		a := addr.Load().(string)
		if a == "" {
			return nil, errors.New("no server")
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", a)
	}
	serve := func() func() {
		lis, _ := net.Listen("tcp", "127.0.0.1:0")
		srv, _, served := serveOn(t, lis)
		addr.Store(lis.Addr().String())
		return func() {
			addr.Store("")
			srv.Stop()
			<-served
		}
	}
	stop := serve()
	cc, _ := rpc.Dial("server", rpc.WithContextDialer(dial), rpc.WithConnectBackoff(10*time.Millisecond, 10*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := func(s connectivity.State) {
		t.Helper()
		if got := cc.GetState(); got != s {
			t.Fatalf("state %v, want %v", got, s)
		}
	}
	want(connectivity.Idle)
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	if cc.WaitForStateChange(short, connectivity.Idle) {
		t.Fatal("WaitForStateChange reported a change with nothing happening")
	}
	cancelShort()
	changed := make(chan bool, 1)
	go func() { changed <- cc.WaitForStateChange(ctx, connectivity.Idle) }()
	if err := cc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if !<-changed {
		t.Fatal("WaitForStateChange missed the connection")
	}
	want(connectivity.Ready)

	stop()
	if !cc.WaitForStateChange(ctx, connectivity.Ready) {
		t.Fatal("no state change after the server stopped")
	}
	want(connectivity.Idle)
	if _, err := echov1.NewEchoServiceClient(cc).Echo(ctx, &echov1.EchoRequest{}); err == nil {
		t.Fatal("call succeeded with no server")
	}
	want(connectivity.TransientFailure)

	stop = serve()
	defer stop()
	if err := cc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	want(connectivity.Ready)
	cc.Close()
	want(connectivity.Shutdown)
}
