package rpc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// bigMetadataEcho answers Echo with 200 KiB of response metadata, in its
// head or its trailers when the request says "header" or "trailer", and holds ServerStream open
// between its two messages until release closes.
type bigMetadataEcho struct {
	echov1.UnimplementedEchoServiceServer
	release chan struct{}
}

func (bigMetadataEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	big := metadata.Pairs("x-big", strings.Repeat("a", 200<<10))
	switch req.Message {
	case "header":
		rpc.SetHeader(ctx, big)
	case "trailer":
		rpc.SetTrailer(ctx, big)
	}
	return &echov1.EchoResponse{Message: req.Message}, nil
}

func (e bigMetadataEcho) ServerStream(req *echov1.EchoRequest, st rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	if err := st.Send(&echov1.EchoResponse{Message: "1"}); err != nil {
		return err
	}
	select {
	case <-e.release:
	case <-st.Context().Done():
		return st.Context().Err()
	}
	return st.Send(&echov1.EchoResponse{Message: "2"})
}

// TestOversizedMetadataSparesOtherCalls: metadata larger than the peer's
// SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB for ours) fails its own call with
// INTERNAL, as in grpc-go, and nothing else: a response head or trailers
// the server would send, and a request head the client would send. Before,
// both were sent, and the peer failed the whole connection (a block over
// 64 KiB), ending every other call on it.
func TestOversizedMetadataSparesOtherCalls(t *testing.T) {
	impl := bigMetadataEcho{release: make(chan struct{})}
	client := echoClient(t, impl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	other, err := client.ServerStream(ctx, &echov1.EchoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Recv(); err != nil {
		t.Fatal(err)
	}
	for _, where := range []string{"header", "trailer"} {
		_, err = client.Echo(ctx, &echov1.EchoRequest{Message: where})
		if status.Code(err) != codes.Internal {
			t.Fatalf("response with an oversized %s: %v, want INTERNAL", where, err)
		}
	}
	bigReq := metadata.AppendToOutgoingContext(ctx, "x-big", strings.Repeat("b", 200<<10))
	_, err = client.Echo(bigReq, &echov1.EchoRequest{Message: "x"})
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "MAX_HEADER_LIST_SIZE") {
		t.Fatalf("request with oversized metadata: %v, want INTERNAL naming MAX_HEADER_LIST_SIZE", err)
	}
	// Just under the limit still goes through.
	okReq := metadata.AppendToOutgoingContext(ctx, "x-fits", strings.Repeat("c", 12<<10))
	if _, err := client.Echo(okReq, &echov1.EchoRequest{Message: "fits"}); err != nil {
		t.Fatalf("request with 12 KiB of metadata: %v", err)
	}
	close(impl.release)
	if m, err := other.Recv(); err != nil {
		t.Fatalf("the other call on the connection failed: %v", err)
	} else if m.Message != "2" {
		t.Fatalf("other call: got %q", m.Message)
	}
}
