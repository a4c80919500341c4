package reflection_test

import (
	"context"
	"fmt"
	"log"
	"net"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Register reflection beside the services, then ask the server what it
// serves and what a service looks like, as `grpcurl list` and `grpcurl
// describe` do.
func Example() {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, echov1.UnimplementedEchoServiceServer{})
	reflection.Register(srv)
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
	stream, err := reflectionv1.NewServerReflectionClient(cc).ServerReflectionInfo(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer stream.CloseSend()

	stream.Send(&reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{},
	})
	resp, err := stream.Recv()
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range resp.GetListServicesResponse().GetService() {
		fmt.Println(s.GetName())
	}

	stream.Send(&reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{
			FileContainingSymbol: "shockwave.echo.v1.EchoService",
		},
	})
	resp, err = stream.Recv()
	if err != nil {
		log.Fatal(err)
	}
	file := new(descriptorpb.FileDescriptorProto)
	if err := proto.Unmarshal(resp.GetFileDescriptorResponse().GetFileDescriptorProto()[0], file); err != nil {
		log.Fatal(err)
	}
	for _, m := range file.GetService()[0].GetMethod() {
		fmt.Printf("%s: rpc %s(%s) returns (%s)\n", file.GetName(), m.GetName(), m.GetInputType(), m.GetOutputType())
	}
	// Output:
	// grpc.reflection.v1.ServerReflection
	// grpc.reflection.v1alpha.ServerReflection
	// shockwave.echo.v1.EchoService
	// echo/v1/echo.proto: rpc Echo(.shockwave.echo.v1.EchoRequest) returns (.shockwave.echo.v1.EchoResponse)
	// echo/v1/echo.proto: rpc ServerStream(.shockwave.echo.v1.EchoRequest) returns (.shockwave.echo.v1.EchoResponse)
	// echo/v1/echo.proto: rpc ClientStream(.shockwave.echo.v1.EchoRequest) returns (.shockwave.echo.v1.EchoResponse)
	// echo/v1/echo.proto: rpc BidiStream(.shockwave.echo.v1.EchoRequest) returns (.shockwave.echo.v1.EchoResponse)
}
