package rpc_test

import (
	"context"
	"net"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/connectivity"
)

// A ClientConn's states, as grpc-go names them: IDLE until it connects,
// READY, IDLE again when the server goes away, TRANSIENT_FAILURE when it
// cannot connect, READY once the server is back, SHUTDOWN after Close.
// WaitForStateChange wakes on each change and gives up with its context.
func TestConnectivityStates(t *testing.T) {
	checkGoroutines(t)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := lis.Addr().String()
	srv, _, served := serveOn(t, lis)
	cc, _ := rpc.Dial(addr, rpc.WithConnectBackoff(time.Hour, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := func(s connectivity.State) {
		t.Helper()
		if got := cc.GetState(); got != s {
			t.Fatalf("state %v, want %v", got, s)
		}
	}
	want(connectivity.Idle)
	short, stop := context.WithTimeout(ctx, 20*time.Millisecond)
	if cc.WaitForStateChange(short, connectivity.Idle) {
		t.Fatal("WaitForStateChange reported a change with nothing happening")
	}
	stop()
	if err := cc.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	want(connectivity.Ready)

	srv.Stop()
	<-served
	if !cc.WaitForStateChange(ctx, connectivity.Ready) {
		t.Fatal("no state change after the server stopped")
	}
	want(connectivity.Idle)
	// The next call cannot connect: TRANSIENT_FAILURE for the (hour-long)
	// backoff.
	if _, err := echov1.NewEchoServiceClient(cc).Echo(ctx, &echov1.EchoRequest{}); err == nil {
		t.Fatal("call succeeded with the server stopped")
	}
	want(connectivity.TransientFailure)

	cc.Close()
	want(connectivity.Shutdown)

	// A new ClientConn to a server that is back: READY.
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	srv, _, served = serveOn(t, lis)
	defer func() {
		srv.Stop()
		<-served
	}()
	cc2, _ := rpc.Dial(addr)
	defer cc2.Close()
	changed := make(chan bool, 1)
	go func() { changed <- cc2.WaitForStateChange(ctx, connectivity.Idle) }()
	if err := cc2.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if !<-changed {
		t.Fatal("WaitForStateChange missed the connection")
	}
	if s := cc2.GetState(); s != connectivity.Ready {
		t.Fatalf("state %v after Connect, want READY", s)
	}
}
