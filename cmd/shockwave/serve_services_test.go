package main

import (
	"context"
	"slices"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// `shockwave serve` answers health checks (the server and the EchoService
// are SERVING) and reflection (its services are listed), and turns its
// health NOT_SERVING when it shuts down, before the connections drain.
func TestServeHealthAndReflection(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	out := &lineWriter{addr: addrc}
	var errb lineWriter
	code := make(chan int, 1)
	go func() { code <- serve(ctx, []string{"--listen", "127.0.0.1:0"}, out, &errb) }()
	var addr string
	select {
	case addr = <-addrc:
	case c := <-code:
		cancel()
		t.Fatalf("serve exited %d: %s", c, errb.String())
	}
	defer func() {
		cancel()
		<-code
	}()

	cc, err := rpc.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()

	hc := healthv1.NewHealthClient(cc)
	for _, svc := range []string{"", echov1.EchoService_ServiceDesc.ServiceName} {
		resp, err := hc.Check(cctx, &healthv1.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthv1.HealthCheckResponse_SERVING {
			t.Fatalf("health Check(%q) = %v, %v; want SERVING", svc, resp.GetStatus(), err)
		}
	}

	rc, err := reflectionv1.NewServerReflectionClient(cc).ServerReflectionInfo(cctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Send(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{"shockwave.echo.v1.EchoService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} {
		if !slices.Contains(names, want) {
			t.Errorf("reflection lists %q, want %s among them", names, want)
		}
	}
	rc.CloseSend()

	// A watcher hears NOT_SERVING when serve begins shutting down, and
	// then its Watch ends UNAVAILABLE as the connection drains, so the
	// open Watch does not hold the shutdown to its 10s bound.
	wctx, wcancel := context.WithCancel(cctx)
	defer wcancel()
	w, err := hc.Watch(wctx, &healthv1.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := w.Recv(); err != nil || r.GetStatus() != healthv1.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch status %v, %v; want SERVING", r.GetStatus(), err)
	}
	cancel()
	if r, err := w.Recv(); err != nil || r.GetStatus() != healthv1.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch status on shutdown %v, %v; want NOT_SERVING", r.GetStatus(), err)
	}
	if r, err := w.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("Watch after NOT_SERVING: %v, %v; want it to end UNAVAILABLE", r, err)
	}
	select {
	case c := <-code:
		code <- c
		if c != 0 {
			t.Fatalf("serve exited %d: %s", c, errb.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not exit within 5s of its context ending (its drain bound is 10s)")
	}
}
