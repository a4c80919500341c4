package rpc_test

import (
	"context"
	"net"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// plainEcho echoes with no behaviours, so its own allocations are known:
// the response message only.
type plainEcho struct {
	echov1.UnimplementedEchoServiceServer
}

func (plainEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	return &echov1.EchoResponse{Message: req.Message, Payload: req.Payload}, nil
}

// The server side of a unary call allocates only what the handler and the
// request's unmarshal do (DESIGN.md hot-path rules): here the request
// message, its string field, and the response message. The call state,
// its context, the dec function, the message buffers and the status
// trailers are all reused.
func TestServerUnaryAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts (not under -short or -race)")
	}
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, plainEcho{})
	body := []byte{0, 0, 0, 0, 4, 10, 2, 'h', 'i'} // EchoRequest{Message: "hi"}
	var rec transporttest.Recorder
	call := func() {
		rec.Clear()
		rec.Req.SetMethodString("POST")
		rec.Req.SetPathString(echov1.EchoService_Echo_FullMethodName)
		rec.Req.Header.AddString("content-type", "application/grpc")
		rec.Req.Header.AddString("te", "trailers")
		rec.Body = append(rec.Body, body...)
		srv.ServeStream(&rec)
	}
	call()
	if s, _ := rec.Trailers.Get("grpc-status"); string(s) != "0" || string(rec.Out) != string(body) {
		t.Fatalf("call failed: status %q, body %x", s, rec.Out)
	}
	const want = 3 // new(EchoRequest), its Message, the EchoResponse
	if a := testing.AllocsPerRun(1000, call); a > want {
		t.Fatalf("server unary call allocates %.1f times, want <= %d", a, want)
	}
}

// The whole round trip over HTTP/2 on loopback, client and server: only
// the messages allocate. The ceiling is 15; the test pins what the
// code does, so that one new allocation on the hot path fails it.
func TestRoundTripAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts (not under -short or -race)")
	}
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, plainEcho{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Stop()
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	ctx := context.Background()
	req := &echov1.EchoRequest{Message: "hello", Payload: make([]byte, 100)}
	for i := 0; i < 100; i++ {
		if _, err := client.Echo(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	a := testing.AllocsPerRun(2000, func() {
		if _, err := client.Echo(ctx, req); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("unary round trip over h2c: %.1f allocs", a)
	// The server: the EchoRequest, its Message and Payload, the
	// EchoResponse. The client: the EchoResponse, its Message and Payload.
	const want = 7
	if a > want {
		t.Fatalf("unary round trip allocates %.1f times, want <= %d", a, want)
	}
}

// doneEcho watches its context, as a handler that selects on it or passes
// it to an outbound call does (that asks for Done too), or derives one.
type doneEcho struct {
	echov1.UnimplementedEchoServiceServer
	derive bool
}

func (e doneEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	if e.derive {
		d, cancel := context.WithCancel(ctx)
		defer cancel()
		ctx = d
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	default:
	}
	return &echov1.EchoResponse{Message: req.Message}, nil
}

// TestWatchedContextAllocs pins what a call costs when its handler watches
// or derives from its context: the call then stays out of the pool, with a
// copy of its request, so that the context stays valid for whoever holds
// it (serverCall.retire).
func TestWatchedContextAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts (not under -short or -race)")
	}
	checkGoroutines(t)
	for _, derive := range []bool{false, true} {
		srv := rpc.NewServer()
		echov1.RegisterEchoServiceServer(srv, doneEcho{derive: derive})
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(lis)
		cc, err := rpc.Dial(lis.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		client := echov1.NewEchoServiceClient(cc)
		req := &echov1.EchoRequest{Message: "hello"}
		for i := 0; i < 100; i++ {
			if _, err := client.Echo(context.Background(), req); err != nil {
				t.Fatal(err)
			}
		}
		a := testing.AllocsPerRun(2000, func() {
			if _, err := client.Echo(context.Background(), req); err != nil {
				t.Fatal(err)
			}
		})
		cc.Close()
		srv.Stop()
		t.Logf("derive=%v: %.1f allocs per round trip", derive, a)
		// The plain round trip's 7 (TestRoundTripAllocs: the messages);
		// the stream context's channel and a fresh stream context (h2
		// retires a context asked for Done); a fresh call (the struct and
		// its bound decode function) with its request copy (arena, pseudo
		// fields) and trailers (arena): 12. Deriving adds the context
		// package's cancelCtx, its channel and cancel function, and the
		// AfterFunc registration: 19.
		want := 12.0
		if derive {
			want = 19
		}
		if a > want {
			t.Fatalf("derive=%v: %.1f allocs per round trip, want <= %v", derive, a, want)
		}
	}
}
