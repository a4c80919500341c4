package rpc_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// echoServer is written exactly as for grpc-go; only the imports differ.
type echoServer struct {
	echov1.UnimplementedEchoServiceServer
}

// The generated server interface is satisfied with no change to the method
// signatures a grpc-go implementation already has.
var _ echov1.EchoServiceServer = (*echoServer)(nil)

func (s *echoServer) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	if req.GetMessage() == "" {
		return nil, status.Errorf(codes.InvalidArgument, "message is required")
	}
	msg := req.GetMessage()
	if md, ok := metadata.FromIncomingContext(ctx); ok && len(md.Get("x-prefix")) > 0 {
		msg = md.Get("x-prefix")[0] + msg
	}
	return &echov1.EchoResponse{Message: msg, Payload: req.GetPayload()}, nil
}

func (s *echoServer) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	for _, word := range strings.Fields(req.GetMessage()) {
		if err := stream.Send(&echov1.EchoResponse{Message: word}); err != nil {
			return err
		}
	}
	return nil
}

func (s *echoServer) ClientStream(stream rpc.ClientStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	var words []string
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&echov1.EchoResponse{Message: strings.Join(words, " ")})
		}
		if err != nil {
			return err
		}
		words = append(words, req.GetMessage())
	}
}

func (s *echoServer) BidiStream(stream rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	if md, ok := metadata.FromIncomingContext(stream.Context()); ok {
		_ = stream.SendHeader(metadata.Pairs("x-seen-keys", fmt.Sprint(md.Len())))
	}
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&echov1.EchoResponse{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
}

// Interceptors written for grpc-go keep their signatures too: the client
// ones receive the *ClientConn they were installed on, as in grpc-go.
func logUnary(ctx context.Context, method string, req, reply any, cc *rpc.ClientConn, invoker rpc.UnaryInvoker, opts ...rpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	fmt.Println("called", method, status.Code(err))
	return err
}

func logStream(ctx context.Context, desc *rpc.StreamDesc, cc *rpc.ClientConn, method string, streamer rpc.Streamer, opts ...rpc.CallOption) (rpc.ClientStream, error) {
	fmt.Println("opening", method)
	return streamer(ctx, desc, cc, method, opts...)
}

func checkAuth(ctx context.Context, req any, info *rpc.UnaryServerInfo, handler rpc.UnaryHandler) (any, error) {
	if md, ok := metadata.FromIncomingContext(ctx); !ok || len(md.Get("authorization")) == 0 {
		return nil, status.Error(codes.Unauthenticated, "no credentials")
	}
	return handler(ctx, req)
}

var (
	_ rpc.UnaryClientInterceptor  = logUnary
	_ rpc.StreamClientInterceptor = logStream
	_ rpc.UnaryServerInterceptor  = checkAuth
)

// printRegistrar stands in for a server: it lists what was registered.
type printRegistrar struct{}

func (printRegistrar) RegisterService(desc *rpc.ServiceDesc, impl any) {
	fmt.Println("registered", desc.ServiceName)
	for _, m := range desc.Methods {
		fmt.Println("  unary", m.MethodName)
	}
	for _, s := range desc.Streams {
		fmt.Printf("  stream %s (client streams: %v, server streams: %v)\n", s.StreamName, s.ClientStreams, s.ServerStreams)
	}
}

// Moving a grpc-go service to Shockwave changes its imports and nothing
// else:
//
//	google.golang.org/grpc          -> github.com/shockwave-rpc/shockwave/rpc
//	google.golang.org/grpc/codes    -> github.com/shockwave-rpc/shockwave/rpc/codes
//	google.golang.org/grpc/status   -> github.com/shockwave-rpc/shockwave/rpc/status
//	google.golang.org/grpc/metadata -> github.com/shockwave-rpc/shockwave/rpc/metadata
//
// and the package qualifier grpc. becomes rpc. (grpc.ServerStreamingServer
// is rpc.ServerStreamingServer, grpc.UnaryClientInterceptor is
// rpc.UnaryClientInterceptor). The stubs come from `shockwave gen` or
// protoc-gen-shockwave instead of protoc-gen-go-grpc; echoServer above is a
// grpc-go implementation after that change.
func Example_migrateFromGRPCGo() {
	echov1.RegisterEchoServiceServer(printRegistrar{}, &echoServer{})

	// A handler called directly, as a server would call it.
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-prefix", "echo: "))
	resp, err := (&echoServer{}).Echo(ctx, &echov1.EchoRequest{Message: "hello"})
	fmt.Println(resp.GetMessage(), err)
	_, err = (&echoServer{}).Echo(ctx, &echov1.EchoRequest{})
	fmt.Println(status.Code(err), err)

	// Output:
	// registered shockwave.echo.v1.EchoService
	//   unary Echo
	//   stream ServerStream (client streams: false, server streams: true)
	//   stream ClientStream (client streams: true, server streams: false)
	//   stream BidiStream (client streams: true, server streams: true)
	// echo: hello <nil>
	// InvalidArgument rpc error: code = InvalidArgument desc = message is required
}
