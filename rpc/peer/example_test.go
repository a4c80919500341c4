package peer_test

import (
	"context"
	"fmt"
	"log"
	"net"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// whoAmI answers with the address the call came from.
type whoAmI struct {
	echov1.UnimplementedEchoServiceServer
}

func (whoAmI) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Internal, "no peer")
	}
	// p.TLS is nil here: the example serves cleartext HTTP/2 (h2c).
	// With rpc.TLSConfig it holds the handshake's outcome, the client's
	// certificates among it.
	fmt.Println("server: TLS:", p.TLS != nil)
	host, _, _ := net.SplitHostPort(p.Addr.String())
	return &echov1.EchoResponse{Message: "you are " + host}, nil
}

// A handler finds who called in its context; a client learns where its
// call went with the rpc.Peer call option.
func Example() {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, whoAmI{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()

	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()

	var p peer.Peer
	resp, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{}, rpc.Peer(&p))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("client:", resp.Message)
	fmt.Println("client: called the listener:", p.Addr.String() == lis.Addr().String())
	// Output:
	// server: TLS: false
	// client: you are 127.0.0.1
	// client: called the listener: true
}
