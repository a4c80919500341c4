package rpc_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// greeter implements the generated EchoService server interface; embedding
// the Unimplemented type keeps it compiling when methods are added.
type greeter struct {
	echov1.UnimplementedEchoServiceServer
}

func (greeter) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	if req.Message == "" {
		return nil, status.Error(codes.InvalidArgument, "say something")
	}
	return &echov1.EchoResponse{Message: "hello, " + req.Message}, nil
}

func (greeter) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	for i := 1; i <= 3; i++ {
		if err := stream.Send(&echov1.EchoResponse{Message: fmt.Sprint(req.Message, " #", i)}); err != nil {
			return err
		}
	}
	return nil
}

// Register a service, serve it on a loopback port over HTTP/2, and call it
// with the generated client.
func Example() {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, greeter{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()

	cc, err := rpc.Dial(lis.Addr().String()) // h2c; rpc.WithTLSConfig for TLS
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)

	resp, err := client.Echo(context.Background(), &echov1.EchoRequest{Message: "world"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Message)

	_, err = client.Echo(context.Background(), &echov1.EchoRequest{})
	fmt.Println(status.Code(err), status.Convert(err).Message())
	// Output:
	// hello, world
	// InvalidArgument say something
}

// A server-streaming call: Recv until io.EOF.
func Example_serverStreaming() {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, greeter{})
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(lis)
	defer srv.Stop()
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()

	stream, err := echov1.NewEchoServiceClient(cc).ServerStream(context.Background(), &echov1.EchoRequest{Message: "tick"})
	if err != nil {
		log.Fatal(err)
	}
	for {
		resp, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(resp.Message)
	}
	// Output:
	// tick #1
	// tick #2
	// tick #3
}

// Metadata goes out with the outgoing context and comes back through the
// Header and Trailer call options; interceptors see every call.
func Example_metadataAndInterceptors() {
	logCalls := func(ctx context.Context, req any, info *rpc.UnaryServerInfo, handler rpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		fmt.Println("server:", info.FullMethod, md.Get("x-request-id"))
		rpc.SetHeader(ctx, metadata.Pairs("x-served-by", "example"))
		return handler(ctx, req)
	}
	srv := rpc.NewServer(rpc.UnaryInterceptor(logCalls))
	echov1.RegisterEchoServiceServer(srv, greeter{})
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(lis)
	defer srv.Stop()
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "42")
	var header metadata.MD
	resp, err := echov1.NewEchoServiceClient(cc).Echo(ctx, &echov1.EchoRequest{Message: "md"}, rpc.Header(&header))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("client:", resp.Message, header.Get("x-served-by"))
	// Output:
	// server: /shockwave.echo.v1.EchoService/Echo [42]
	// client: hello, md [example]
}

// bearer is per-call credentials: a token sent with every call. It has
// the methods of grpc-go's credentials.PerRPCCredentials, so an
// implementation written for grpc-go fits rpc/credentials as it is.
type bearer string

func (b bearer) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity is false for this loopback example only: a real
// token should travel over TLS, and with true a cleartext call fails.
func (bearer) RequireTransportSecurity() bool { return false }

// Authenticate calls with a token and check it on the server; the server
// holds clients to grpc-go's keepalive rules and recycles connections
// after an hour, so that clients spread again over the servers behind a
// load balancer.
func Example_credentialsAndKeepalive() {
	auth := func(ctx context.Context, req any, info *rpc.UnaryServerInfo, handler rpc.UnaryHandler) (any, error) {
		if v := metadata.ValueFromIncomingContext(ctx, "authorization"); len(v) != 1 || v[0] != "Bearer s3cret" {
			return nil, status.Error(codes.Unauthenticated, "bad token")
		}
		return handler(ctx, req)
	}
	srv := rpc.NewServer(
		rpc.UnaryInterceptor(auth),
		rpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute}),
	)
	echov1.RegisterEchoServiceServer(srv, greeter{})
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(lis)
	defer srv.Stop()

	cc, _ := rpc.Dial(lis.Addr().String(),
		rpc.WithPerRPCCredentials(bearer("s3cret")),
		rpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 5 * time.Minute, Timeout: 20 * time.Second}),
	)
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	resp, err := client.Echo(context.Background(), &echov1.EchoRequest{Message: "token"})
	fmt.Println(resp.GetMessage(), err)
	// A call's own credentials go out beside the connection's, as in
	// grpc-go: two tokens, which this server refuses.
	_, err = client.Echo(context.Background(), &echov1.EchoRequest{Message: "token"}, rpc.PerRPCCredentials(bearer("another")))
	fmt.Println(status.Code(err))
	// Output:
	// hello, token <nil>
	// Unauthenticated
}

// ticker's ServerStream is a subscription: it sends a first update and
// then lasts until the client leaves or the server drains the connection.
type ticker struct {
	echov1.UnimplementedEchoServiceServer
}

func (ticker) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	if err := stream.Send(&echov1.EchoResponse{Message: "update 1"}); err != nil {
		return err
	}
	select {
	case <-rpc.Draining(stream.Context()):
		// GracefulStop waits for calls in flight: end this one, and let
		// the client resubscribe to another server.
		return status.Error(codes.Unavailable, "server is going away")
	case <-stream.Context().Done():
		return stream.Context().Err()
	}
}

// A long-lived call ends when the server drains its connection, so that
// GracefulStop need not wait for the client.
func ExampleDraining() {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, ticker{})
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(lis)
	cc, _ := rpc.Dial(lis.Addr().String())
	defer cc.Close()

	stream, err := echov1.NewEchoServiceClient(cc).ServerStream(context.Background(), &echov1.EchoRequest{})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Message)

	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	_, err = stream.Recv()
	fmt.Println(status.Code(err), status.Convert(err).Message())
	<-stopped
	fmt.Println("stopped")
	// Output:
	// update 1
	// Unavailable server is going away
	// stopped
}
