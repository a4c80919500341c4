package health_test

import (
	"context"
	"fmt"
	"log"
	"net"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// Serve the health service beside an application's own, flip a service's
// status and see what health checkers see.
func Example() {
	srv := rpc.NewServer()
	h := health.NewServer()
	healthv1.RegisterHealthServer(srv, h)
	// Register the application's services here, then give each a status.
	h.SetServingStatus("shockwave.echo.v1.EchoService", healthv1.HealthCheckResponse_SERVING)

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
	client := healthv1.NewHealthClient(cc)
	ctx := context.Background()

	check := func(service string) {
		resp, err := client.Check(ctx, &healthv1.HealthCheckRequest{Service: service})
		if err != nil {
			fmt.Printf("%q: %v\n", service, status.Code(err))
			return
		}
		fmt.Printf("%q: %v\n", service, resp.GetStatus())
	}
	check("") // the server as a whole
	check("shockwave.echo.v1.EchoService")
	check("no.such.Service")

	h.SetServingStatus("shockwave.echo.v1.EchoService", healthv1.HealthCheckResponse_NOT_SERVING)
	check("shockwave.echo.v1.EchoService")

	// Before stopping: every status NOT_SERVING, so probes fail first.
	h.Shutdown()
	check("")
	// Output:
	// "": SERVING
	// "shockwave.echo.v1.EchoService": SERVING
	// "no.such.Service": NotFound
	// "shockwave.echo.v1.EchoService": NOT_SERVING
	// "": NOT_SERVING
}

// Watch streams a service's status: the current one first, then each
// change.
func Example_watch() {
	srv := rpc.NewServer()
	h := health.NewServer()
	healthv1.RegisterHealthServer(srv, h)
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

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends the Watch call
	stream, err := healthv1.NewHealthClient(cc).Watch(ctx, &healthv1.HealthCheckRequest{Service: "db"})
	if err != nil {
		log.Fatal(err)
	}
	next := func() {
		resp, err := stream.Recv()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(resp.GetStatus())
	}
	next() // "db" has no status yet
	h.SetServingStatus("db", healthv1.HealthCheckResponse_SERVING)
	next()
	h.SetServingStatus("db", healthv1.HealthCheckResponse_NOT_SERVING)
	next()
	// Output:
	// SERVICE_UNKNOWN
	// SERVING
	// NOT_SERVING
}
