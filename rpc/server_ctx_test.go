package rpc_test

import (
	"context"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
)

// derivedCtxEcho hands a context derived from each call's context to the
// test, with its cancel kept for later rather than deferred, as a handler
// does that passes work on to a goroutine of its own.
type derivedCtxEcho struct {
	echov1.UnimplementedEchoServiceServer
	derived chan context.Context
	cancels chan context.CancelFunc
}

func (e derivedCtxEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	d, cancel := context.WithCancel(ctx)
	e.derived <- d
	e.cancels <- cancel
	return &echov1.EchoResponse{Message: req.Message}, nil
}

// TestDerivedContextAfterReturn: a context derived from a call's context
// ends when the call does, with Canceled, and still carries the call's
// request metadata after the handler has returned, with or without a
// grpc-timeout (whose deadline context sits between the call and its
// stream).
func TestDerivedContextAfterReturn(t *testing.T) {
	impl := derivedCtxEcho{derived: make(chan context.Context, 1), cancels: make(chan context.CancelFunc, 1)}
	client := echoClient(t, impl)
	for i := 0; i < 20; i++ {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-call", string(rune('a'+i)))
		if i%2 == 1 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Minute)
			defer cancel()
		}
		if _, err := client.Echo(ctx, &echov1.EchoRequest{Message: "x"}); err != nil {
			t.Fatal(err)
		}
		d := <-impl.derived
		select {
		case <-d.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d: derived context not done after the call ended", i)
		}
		if d.Err() != context.Canceled {
			t.Fatalf("call %d: derived context ended with %v, want Canceled", i, d.Err())
		}
		// Later calls reuse what the pool holds: this call's context
		// must not have gone back to it.
		md, _ := metadata.FromIncomingContext(d)
		if got := md.Get("x-call"); len(got) != 1 || got[0] != string(rune('a'+i)) {
			t.Fatalf("call %d: metadata after the return: x-call %q", i, got)
		}
		(<-impl.cancels)()
	}
}

type deferCancelEcho struct {
	echov1.UnimplementedEchoServiceServer
}

func (deferCancelEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	// The everyday pattern: a bounded sub-operation, cancelled on return.
	sub, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := sub.Err(); err != nil {
		return nil, err
	}
	return &echov1.EchoResponse{Message: req.Message}, nil
}

// TestDeferredCancelOfDerivedContext: context.WithTimeout on a call's
// context with its cancel deferred, from calls without a deadline. The
// context package watches a parent it does not know from a goroutine that
// asks the parent for Done when it first runs, which may be after the
// handler returned and the call went back to the pool: that crashed the
// server (a nil parent) before calls whose context was asked for Done
// stayed out of the pool and the call context learnt AfterFunc.
func TestDeferredCancelOfDerivedContext(t *testing.T) {
	client := echoClient(t, deferCancelEcho{})
	for i := 0; i < 200; i++ {
		if _, err := client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}); err != nil {
			t.Fatal(err)
		}
	}
}

type watcherCountEcho struct {
	echov1.UnimplementedEchoServiceServer
	stacks chan string
}

func (e watcherCountEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	d, cancel := context.WithCancel(ctx)
	defer cancel()
	_ = d
	buf := make([]byte, 1<<20)
	e.stacks <- string(buf[:runtime.Stack(buf, true)])
	return &echov1.EchoResponse{Message: req.Message}, nil
}

// TestDerivedContextNoWatcher: deriving a context from a call's context
// starts no goroutine to watch it (the call context has AfterFunc, which
// the context package uses instead), with and without a deadline.
func TestDerivedContextNoWatcher(t *testing.T) {
	impl := watcherCountEcho{stacks: make(chan string, 1)}
	client := echoClient(t, impl)
	for _, deadline := range []bool{false, true} {
		ctx := context.Background()
		if deadline {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Minute)
			defer cancel()
		}
		if _, err := client.Echo(ctx, &echov1.EchoRequest{Message: "x"}); err != nil {
			t.Fatal(err)
		}
		if st := <-impl.stacks; strings.Contains(st, "context.(*cancelCtx).propagateCancel") {
			t.Fatalf("deadline %v: a goroutine watches the call context:\n%s", deadline, st)
		}
	}
}

// TestRetiredCallHelpersAfterReturn: rpc.Method, rpc.Draining and
// rpc.ClientSupportedCompressors on a context derived from a call, after
// the handler returned (what async logging or tracing does), answer from
// the request the retired call kept rather than dereference the stream it
// let go of.
func TestRetiredCallHelpersAfterReturn(t *testing.T) {
	impl := derivedCtxEcho{derived: make(chan context.Context, 1), cancels: make(chan context.CancelFunc, 1)}
	client := echoClient(t, impl, rpc.WithDefaultCallOptions(rpc.UseCompressor("gzip")))
	if _, err := client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}); err != nil {
		t.Fatal(err)
	}
	d := <-impl.derived
	defer (<-impl.cancels)()
	select {
	case <-d.Done(): // the call has ended: release, and retire, ran
	case <-time.After(5 * time.Second):
		t.Fatal("derived context not done")
	}
	if m, ok := rpc.Method(d); !ok || m != echov1.EchoService_Echo_FullMethodName {
		t.Errorf("rpc.Method after the return: %q, %v", m, ok)
	}
	if ch := rpc.Draining(d); ch == nil {
		t.Error("rpc.Draining after the return: nil")
	}
	if got := rpc.ClientSupportedCompressors(d); !slices.Contains(got, "gzip") {
		t.Errorf("rpc.ClientSupportedCompressors after the return: %q", got)
	}
}

// echoClient serves impl on a loopback port and returns a client of it;
// the test's end closes both.
func echoClient(t *testing.T, impl echov1.EchoServiceServer, opts ...rpc.DialOption) echov1.EchoServiceClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, served := serveImpl(lis, impl)
	cc, err := rpc.Dial(lis.Addr().String(), opts...)
	if err != nil {
		srv.Stop()
		<-served
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		<-served
	})
	return echov1.NewEchoServiceClient(cc)
}
