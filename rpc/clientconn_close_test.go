package rpc_test

import (
	"context"
	"net"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/connectivity"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// TestCloseFailsCallsOnDrainingConn: Close fails the calls in flight,
// those on a connection the server has sent GOAWAY on (and that the
// ClientConn has since let go of for new calls) included. Before, Close
// did not know that connection any more, and a stream on it ran on, with
// the connection's goroutines, until the server ended it.
func TestCloseFailsCallsOnDrainingConn(t *testing.T) {
	checkGoroutines(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, served := serveOn(t, lis, rpc.KeepaliveParams(keepalive.ServerParameters{
		MaxConnectionAge: 200 * time.Millisecond, MaxConnectionAgeGrace: time.Minute}))
	defer func() { srv.Stop(); <-served }()
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	stream, err := echov1.NewEchoServiceClient(cc).ServerStream(context.Background(), &echov1.EchoRequest{Message: "sleep"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	// The server's GOAWAY (maximum age) takes the connection out of
	// READY; GetState, inside WaitForStateChange, lets go of it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !cc.WaitForStateChange(ctx, connectivity.Ready) {
		t.Fatal("no GOAWAY")
	}
	cc.Close()
	done := make(chan error, 1)
	go func() { _, err := stream.Recv(); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Recv after Close: nil error")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Recv still blocked 3s after Close: the call on the draining connection was not failed")
	}
}

// TestCloseEndsWaitForReadyCallInBackoff: Close ends a WaitForReady call
// that waits out the backoff after a failed connection attempt, as it
// ends one waiting for a dial. Before, it waited out the backoff.
func TestCloseEndsWaitForReadyCallInBackoff(t *testing.T) {
	checkGoroutines(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens: every attempt is refused
	cc, err := rpc.Dial(addr, rpc.WithConnectBackoff(time.Minute, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	client := echov1.NewEchoServiceClient(cc)
	if _, err := client.Echo(context.Background(), &echov1.EchoRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("first call: %v, want UNAVAILABLE", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := client.Echo(context.Background(), &echov1.EchoRequest{}, rpc.WaitForReady(true))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // the call is waiting out the minute's backoff
	cc.Close()
	select {
	case err := <-done:
		if status.Code(err) != codes.Canceled {
			t.Fatalf("call after Close: %v, want CANCELED (ErrClientConnClosing)", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("WaitForReady call still waiting 3s after Close")
	}
}
