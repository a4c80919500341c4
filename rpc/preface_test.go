package rpc_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/connectivity"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// acceptAndClose listens and closes every connection it accepts without a
// byte: a TCP load balancer with no healthy backend, or a server that is
// not up behind its proxy yet.
func acceptAndClose(t *testing.T) (addr string, accepted *atomic.Int32) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int32)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { lis.Close(); <-done })
	return lis.Addr().String(), accepted
}

// TestWaitForReadyWaitsThroughConnectionsClosedBeforePreface: a connection
// that ends before the server's preface (its SETTINGS) is a failed
// connection attempt, as in grpc-go: a WaitForReady call waits on,
// through the backoff, until its context ends, instead of failing on the
// first such connection; and the ClientConn is not READY meanwhile.
func TestWaitForReadyWaitsThroughConnectionsClosedBeforePreface(t *testing.T) {
	checkGoroutines(t)
	addr, accepted := acceptAndClose(t)
	cc, err := rpc.Dial(addr, rpc.WithConnectBackoff(50*time.Millisecond, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	// Cancel once a third attempt has been made, rather than count the
	// attempts made by a deadline, which a loaded machine may not reach
	// (one dial took 470 ms under -race on two CPUs): the call must still
	// be waiting then.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() {
		for accepted.Load() < 3 && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		if s := cc.GetState(); s == connectivity.Ready {
			t.Errorf("state %v with no server", s)
		}
		cancel()
	}()
	_, err = echov1.NewEchoServiceClient(cc).Echo(ctx, &echov1.EchoRequest{Message: "x"}, rpc.WaitForReady(true))
	if status.Code(err) != codes.Canceled {
		t.Fatalf("WaitForReady call: %v after %d connection(s), want CANCELED (still waiting after 3 attempts)", err, accepted.Load())
	}
}

// TestConnectionsClosedBeforePrefaceBackOff: calls that fail fast against
// such an endpoint back off between connection attempts rather than open
// a new connection each.
func TestConnectionsClosedBeforePrefaceBackOff(t *testing.T) {
	checkGoroutines(t)
	addr, accepted := acceptAndClose(t)
	cc, err := rpc.Dial(addr, rpc.WithConnectBackoff(time.Minute, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := client.Echo(ctx, &echov1.EchoRequest{Message: "x"})
		cancel()
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("call: %v, want UNAVAILABLE", err)
		}
	}
	if n := accepted.Load(); n > 2 {
		t.Fatalf("20 failing calls opened %d connections within a one-minute backoff", n)
	}
}
