package interop

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/rpc"
)

// TestFreshConnectionLargeUnary is channel_soak in one process: each of
// many new connections makes one large_unary call (a 271828-byte request,
// larger than the 64 KiB HTTP/2 default window, so the first request's
// flow control depends on the server's SETTINGS and WINDOW_UPDATEs).
func TestFreshConnectionLargeUnary(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer()
	grpc_testing.RegisterTestServiceServer(srv, NewTestServer())
	go srv.Serve(lis)
	defer srv.Stop()
	for i := 0; i < 100; i++ {
		cc, err := rpc.Dial(lis.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = largeUnary(ctx, grpc_testing.NewTestServiceClient(cc), largeReqSize, largeRespSize)
		cancel()
		cc.Close()
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
}
