package interop

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Our server's MaxConnectionAge, seen by grpc-go's client: the two-step
// GOAWAY sends it to new connections while calls keep flowing, and none
// fails.
func TestMaxConnectionAgeGRPCGoClient(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &transporttest.CountingListener{Listener: lis}
	srv := rpc.NewServer(rpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: 100 * time.Millisecond, MaxConnectionAgeGrace: 5 * time.Second}))
	healthv1.RegisterHealthServer(srv, health.NewServer())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(cl) }()
	defer func() {
		srv.Stop()
		<-served
	}()
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := healthpb.NewHealthClient(cc)
	var wg sync.WaitGroup
	// Until the third connection, however long a loaded machine takes
	// (transport/h2 checks the ages' timing under synctest).
	deadline := time.Now().Add(20 * time.Second)
	for range 4 {
		wg.Go(func() {
			for cl.Accepted() < 3 && time.Now().Before(deadline) {
				if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
					t.Errorf("grpc-go call across connection ages: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := cl.Accepted(); n < 3 {
		t.Fatalf("grpc-go client made %d connections in 20 s with a 100 ms maximum age, want 3 or more", n)
	}
}

// grpc-go's server enforces its default keepalive policy (one PING per 5
// minutes) on our client: a client that pings every 20 ms has its
// connection closed with GOAWAY too_many_pings, its open call fails
// UNAVAILABLE saying so, and the next call goes through on a new
// connection.
func TestKeepaliveGRPCGoServerPolicy(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	healthpb.RegisterHealthServer(gs, grpchealth.NewServer())
	go gs.Serve(lis)
	defer gs.Stop()
	cc, err := rpc.Dial(lis.Addr().String(), rpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 20 * time.Millisecond, Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := healthv1.NewHealthClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	watch, err := client.Watch(ctx, &healthv1.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := watch.Recv(); err != nil || resp.Status != healthv1.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch response: %v, %v", resp, err)
	}
	// The Watch stays open and silent; the PINGs go out.
	_, err = watch.Recv()
	if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "too_many_pings") {
		t.Fatalf("Watch ended with %v, want UNAVAILABLE with grpc-go's too_many_pings", err)
	}
	if _, err := client.Check(ctx, &healthv1.HealthCheckRequest{}); err != nil {
		t.Fatalf("call after the GOAWAY: %v", err)
	}
}
