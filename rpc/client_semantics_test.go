package rpc_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// Cancelling a call's context is enough to release what it holds, as in
// grpc-go: many server-streaming calls abandoned after one message, each
// with a window's worth of the response already received, must not keep
// the connection's buffered-bytes cap full and stall the calls after them.
func TestCancelledStreamsReleaseConnection(t *testing.T) {
	checkGoroutines(t)
	client := echov1.NewEchoServiceClient(serveAndDial(t, nil))
	payload := make([]byte, 8<<10)
	payload[0] = 200 // messages to send: 1.6 MiB a call, past a stream window
	for i := range 30 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		stream, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "m", Payload: payload})
		if err != nil {
			cancel()
			t.Fatalf("call %d: %v", i, err)
		}
		if _, err := stream.Recv(); err != nil {
			cancel()
			t.Fatalf("call %d: first Recv: %v", i, err)
		}
		// Let the rest of the window arrive, then walk away.
		time.Sleep(5 * time.Millisecond)
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "m", Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := stream.Recv(); err != nil {
			if n != 200 {
				t.Fatalf("a call after 30 cancelled ones got %d of 200 messages: %v", n, err)
			}
			break
		}
		n++
	}
}

// As in grpc-go, the innermost invoker and streamer send on the
// connection they are handed, so an interceptor can route a call to
// another one (failover, shadow traffic).
func TestInterceptorRoutesToAnotherConn(t *testing.T) {
	checkGoroutines(t)
	var conns []*rpc.ClientConn
	var impls []*testEcho
	for range 2 {
		lis, _ := net.Listen("tcp", "127.0.0.1:0")
		impl := &testEcho{started: make(chan string, 10)}
		srv := rpc.NewServer()
		echov1.RegisterEchoServiceServer(srv, impl)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(lis) }()
		defer func() {
			srv.Stop()
			<-served
		}()
		impls = append(impls, impl)
		var opts []rpc.DialOption
		if len(conns) == 0 {
			opts = append(opts,
				rpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *rpc.ClientConn, invoker rpc.UnaryInvoker, opts ...rpc.CallOption) error {
					return invoker(ctx, method, req, reply, conns[1], opts...)
				}),
				rpc.WithStreamInterceptor(func(ctx context.Context, desc *rpc.StreamDesc, cc *rpc.ClientConn, method string, streamer rpc.Streamer, opts ...rpc.CallOption) (rpc.ClientStream, error) {
					return streamer(ctx, desc, conns[1], method, opts...)
				}))
		}
		cc, err := rpc.Dial(lis.Addr().String(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		conns = append(conns, cc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := echov1.NewEchoServiceClient(conns[0])
	if _, err := client.Echo(ctx, &echov1.EchoRequest{Message: "routed"}); err != nil {
		t.Fatal(err)
	}
	stream, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "routed-stream"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	if n := len(impls[0].started); n != 0 {
		t.Errorf("the first server saw %d calls; the interceptor routed every call to the second", n)
	}
	if n := len(impls[1].started); n != 2 {
		t.Errorf("the second server saw %d calls, want the unary and the streaming call", n)
	}
}

// peerCtxStream is a server stream whose context carries a Peer, as a
// custom transport that knows no addresses of its own might provide.
type peerCtxStream struct {
	transport.ServerStream
	ctx context.Context
}

func (s peerCtxStream) Context() context.Context { return s.ctx }

// When the transport reports no addresses, a Peer in the stream's own
// context is what handlers find.
func TestPeerFromStreamContext(t *testing.T) {
	checkGoroutines(t)
	impl := &peerEcho{}
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, impl)
	want := &peer.Peer{Addr: &net.UnixAddr{Name: "client", Net: "unix"}}
	wrapped := transport.HandlerFunc(func(st transport.ServerStream) {
		srv.ServeStream(peerCtxStream{st, peer.NewContext(st.Context(), want)})
	})
	c := transporttest.NewConn(wrapped)
	defer c.Close()
	cc2, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) { return c, nil }))
	if err != nil {
		t.Fatal(err)
	}
	defer cc2.Close()
	if _, err := echov1.NewEchoServiceClient(cc2).Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	if got, found := impl.take("Echo"); !found || got != want {
		t.Errorf("handler found peer %+v (ran: %v), want the stream context's %+v", got, found, want)
	}
}

// brokenConn's streams fail every send with a closed connection, and so
// does Response: the connection died as the request went out.
type brokenConn struct{ transport.ClientConn }

func (c brokenConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.ClientConn.NewStream(ctx)
	if err != nil {
		return nil, err
	}
	return brokenStream{st}, nil
}

type brokenStream struct{ transport.ClientStream }

func (brokenStream) Write([]byte) (int, error)         { return 0, transport.ErrConnClosed }
func (brokenStream) CloseSend(*transport.Header) error { return transport.ErrConnClosed }
func (brokenStream) Flush() error                      { return transport.ErrConnClosed }
func (brokenStream) Response() (*transport.Response, error) {
	return nil, transport.ErrConnClosed
}

// A connection lost while a call's request goes out is UNAVAILABLE in
// every shape. A server-streaming call opens without error (SendMsg
// reports nil, as grpc-go's does for calls with one request, since
// generated code returns its error as the call's) and its first Recv
// reports the status.
func TestConnLostWhileSending(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	var conns []*transporttest.Conn
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		c := transporttest.NewConn(srv)
		conns = append(conns, c)
		return brokenConn{c}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cc.Close()
		for _, c := range conns {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := echov1.NewEchoServiceClient(cc)

	if _, err := client.Echo(ctx, &echov1.EchoRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("unary: %v, want Unavailable", err)
	}
	ss, err := client.ServerStream(ctx, &echov1.EchoRequest{})
	if err != nil {
		t.Fatalf("opening a server stream: %v, want nil (the status comes from Recv)", err)
	}
	if _, err := ss.Recv(); status.Code(err) != codes.Unavailable {
		t.Errorf("server stream Recv: %v, want Unavailable", err)
	}
	// A bidi call sends its head when it opens, so it fails there.
	if _, err := client.BidiStream(ctx); status.Code(err) != codes.Unavailable {
		t.Errorf("opening a bidi stream: %v, want Unavailable", err)
	}
}

// countingConn counts the client streams the rpc layer closes.
type countingConn struct {
	transport.ClientConn
	closed *atomic.Int32
}

func (c countingConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.ClientConn.NewStream(ctx)
	if err != nil {
		return nil, err
	}
	return countingStream{st, c.closed}, nil
}

type countingStream struct {
	transport.ClientStream
	closed *atomic.Int32
}

func (s countingStream) Close() { s.closed.Add(1); s.ClientStream.Close() }

// A streaming call the caller abandons by cancelling its context, without
// reading on, still ends: its transport stream is closed and its
// connection released, as grpc-go's clientStream does from a goroutine
// watching the context. Header, RecvMsg and SendMsg running meanwhile in
// other goroutines see the cancellation (and -race sees no race).
func TestAbandonedStreamEnds(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	var closed atomic.Int32
	var conns []*transporttest.Conn
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		c := transporttest.NewConn(srv)
		conns = append(conns, c)
		return countingConn{c, &closed}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cc.Close()
		for _, c := range conns {
			c.Close()
		}
	}()
	client := echov1.NewEchoServiceClient(cc)
	waitClosed := func(want int32) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); closed.Load() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("%d streams closed, want %d", closed.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// Abandoned after one message.
	ctx, cancel := context.WithCancel(context.Background())
	payload := []byte{100}
	ss, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "m", Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ss.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	waitClosed(1)
	if _, err := ss.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("Recv after the call ended by its context: %v, want Canceled", err)
	}

	// Cancelled while other goroutines use the stream.
	for i := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		bidi, err := client.BidiStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			bidi.Header()
		}()
		go func() {
			defer wg.Done()
			for bidi.Send(&echov1.EchoRequest{Message: "x"}) == nil {
			}
		}()
		go func() {
			defer wg.Done()
			for {
				if _, err := bidi.Recv(); err != nil {
					if status.Code(err) != codes.Canceled {
						t.Errorf("Recv: %v, want Canceled", err)
					}
					return
				}
			}
		}()
		time.Sleep(time.Duration(i%5) * 100 * time.Microsecond)
		cancel()
		wg.Wait()
		if _, err := bidi.Header(); status.Code(err) != codes.Canceled && err != nil {
			t.Errorf("Header after the cancel: %v", err)
		}
		waitClosed(int32(2 + i))
	}
}

// The Header and Trailer call options' targets belong to the caller's
// goroutine: a call that its context ends is not allowed to fill them
// from elsewhere (the caller may be reading them), so the caller's next
// RecvMsg does.
func TestHeaderOptionAfterCancel(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	var closed atomic.Int32
	c := transporttest.NewConn(srv)
	defer c.Close()
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		return countingConn{c, &closed}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(context.Background(), "x-in", "v"))
	var hdr metadata.MD
	bidi, err := echov1.NewEchoServiceClient(cc).BidiStream(ctx, rpc.Header(&hdr))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := bidi.Header(); err != nil || len(h.Get("x-header")) != 1 {
		t.Fatalf("Header: %v, %v", h, err)
	}
	cancel()
	for deadline := time.Now().Add(5 * time.Second); closed.Load() != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled call's stream was not closed")
		}
	}
	if hdr != nil {
		t.Errorf("the Header target was filled before the caller's RecvMsg: %v", hdr)
	}
	if _, err := bidi.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("Recv: %v, want Canceled", err)
	}
	if len(hdr.Get("x-header")) != 1 {
		t.Errorf("the Header target after RecvMsg: %v, want the headers received", hdr)
	}
}

// A call with one request takes one SendMsg, even when that one failed.
func TestSecondSendMsgAfterFailedOne(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	c := transporttest.NewConn(srv)
	defer c.Close()
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		return brokenConn{c}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	// The generic API, without the CloseSend generated code adds.
	ss, err := cc.NewStream(context.Background(), &echov1.EchoService_ServiceDesc.Streams[0], echov1.EchoService_ServerStream_FullMethodName)
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.SendMsg(&echov1.EchoRequest{}); err != nil {
		t.Fatalf("the SendMsg whose stream failed: %v, want nil", err)
	}
	if err := ss.SendMsg(&echov1.EchoRequest{}); status.Code(err) != codes.Internal {
		t.Errorf("a second SendMsg: %v, want Internal (SendMsg called after CloseSend)", err)
	}
	if err := ss.RecvMsg(new(echov1.EchoResponse)); status.Code(err) != codes.Unavailable {
		t.Errorf("RecvMsg: %v, want Unavailable", err)
	}
}
