package interop

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	ourmd "github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

type headerOptionEcho struct {
	echov1.UnimplementedEchoServiceServer
}

func (headerOptionEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	rpc.SetHeader(ctx, ourmd.Pairs("x-header", "h"))
	return &echov1.EchoResponse{Message: "a response longer than one byte"}, nil
}

// TestHeaderOptionOnRecvErrorLikeGRPCGo: a unary call that fails on the
// client after the response head came (here its message is over the
// client's receive limit) still fills the Header call option, as
// grpc-go's client does against the same server.
func TestHeaderOptionOnRecvErrorLikeGRPCGo(t *testing.T) {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, headerOptionEcho{})
	addr := serveInProcess(t, srv.Serve, srv.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const method = "/shockwave.echo.v1.EchoService/Echo"

	gcc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer gcc.Close()
	var gh metadata.MD
	gerr := gcc.Invoke(ctx, method, &echov1.EchoRequest{Message: "x"}, new(echov1.EchoResponse), grpc.Header(&gh), grpc.MaxCallRecvMsgSize(1))

	occ, err := rpc.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer occ.Close()
	var oh ourmd.MD
	oerr := occ.Invoke(ctx, method, &echov1.EchoRequest{Message: "x"}, new(echov1.EchoResponse), rpc.Header(&oh), rpc.MaxCallRecvMsgSize(1))

	if status.Code(oerr) != codes.ResourceExhausted {
		t.Fatalf("ours: %v, want RESOURCE_EXHAUSTED (grpc-go: %v)", oerr, gerr)
	}
	if len(gh.Get("x-header")) != 1 {
		t.Fatalf("grpc-go's Header option: %v (the reference this test relies on)", gh)
	}
	if got := oh.Get("x-header"); len(got) != 1 || got[0] != "h" {
		t.Fatalf("our Header option: %v; grpc-go's: %v", oh, gh)
	}
}
