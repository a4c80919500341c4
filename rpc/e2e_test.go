package rpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// testEcho implements EchoService with behaviours chosen by the request
// message, so one service exercises every path:
//
//	"fail:<code>:<msg>"  fail with that status, with a detail
//	"sleep"              wait for the context to end
//	"md"                 echo metadata x-in as header x-header and trailer x-trailer-bin
//	"deadline"           answer whether the context has a deadline
type testEcho struct {
	echov1.UnimplementedEchoServiceServer
	// started, when set, is told of every call as it starts.
	started chan string
	// ended, when set, receives the context error of each call.
	ended chan error
}

func failure(msg string) error {
	parts := strings.SplitN(msg, ":", 3)
	n, _ := strconv.Atoi(parts[1])
	st := status.New(codes.Code(n), parts[2])
	if st.Code() != codes.OK {
		st, _ = st.WithDetails(durationpb.New(time.Duration(n) * time.Second))
	}
	return st.Err()
}

func (s *testEcho) note(ctx context.Context, m string) {
	if s.started != nil {
		s.started <- m
	}
}

func (s *testEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	s.note(ctx, req.Message)
	switch m := req.Message; {
	case strings.HasPrefix(m, "fail:"):
		return nil, failure(m)
	case m == "sleep":
		<-ctx.Done()
		if s.ended != nil {
			s.ended <- ctx.Err()
		}
		return nil, ctx.Err()
	case m == "md":
		md, _ := metadata.FromIncomingContext(ctx)
		rpc.SetHeader(ctx, metadata.Pairs("x-header", strings.Join(md.Get("x-in"), ",")))
		rpc.SetTrailer(ctx, metadata.Pairs("x-trailer-bin", "\x00\xff"+strings.Join(md.Get("x-in-bin"), ",")))
		return &echov1.EchoResponse{Message: strings.Join(md.Get("x-in"), ",") + "|" + strings.Join(md.Get("user-agent"), "")}, nil
	case m == "deadline":
		dl, ok := ctx.Deadline()
		return &echov1.EchoResponse{Message: strconv.FormatBool(ok && time.Until(dl) > 0)}, nil
	}
	return &echov1.EchoResponse{Message: req.Message, Payload: req.Payload}, nil
}

func (s *testEcho) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	s.note(stream.Context(), req.Message)
	n := 3
	if len(req.Payload) > 0 {
		n = int(req.Payload[0])
	}
	for i := 0; i < n; i++ {
		if err := stream.Send(&echov1.EchoResponse{Message: req.Message + strconv.Itoa(i), Payload: req.Payload}); err != nil {
			return err
		}
	}
	if strings.HasPrefix(req.Message, "fail:") {
		return failure(req.Message)
	}
	if req.Message == "sleep" {
		<-stream.Context().Done()
		if s.ended != nil {
			s.ended <- stream.Context().Err()
		}
		return stream.Context().Err()
	}
	return nil
}

func (s *testEcho) ClientStream(stream rpc.ClientStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	var msgs []string
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(req.Message, "fail:") {
			return failure(req.Message)
		}
		msgs = append(msgs, req.Message)
	}
	return stream.SendAndClose(&echov1.EchoResponse{Message: strings.Join(msgs, ",")})
}

func (s *testEcho) BidiStream(stream rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	if v := md.Get("x-in"); len(v) > 0 {
		stream.SendHeader(metadata.Pairs("x-header", v[0]))
		stream.SetTrailer(metadata.Pairs("x-trailer", v[0]))
	}
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(req.Message, "fail:") {
			return failure(req.Message)
		}
		if err := stream.Send(&echov1.EchoResponse{Message: req.Message, Payload: req.Payload}); err != nil {
			return err
		}
	}
}

// env is a server and a client connected by a transport.
type env struct {
	srv    *rpc.Server
	impl   *testEcho
	cc     *rpc.ClientConn
	client echov1.EchoServiceClient

	mu    sync.Mutex
	conns []*transporttest.Conn
}

type envOpts struct {
	server []rpc.ServerOption
	client []rpc.DialOption
	impl   *testEcho
}

// newMemEnv connects the client to the server through the in-memory
// transport; each dial makes a new connection.
func newMemEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	checkGoroutines(t)
	e := &env{srv: rpc.NewServer(o.server...), impl: o.impl}
	if e.impl == nil {
		e.impl = &testEcho{}
	}
	echov1.RegisterEchoServiceServer(e.srv, e.impl)
	dial := rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
		c := transporttest.NewConn(e.srv)
		e.mu.Lock()
		e.conns = append(e.conns, c)
		e.mu.Unlock()
		return c, nil
	})
	cc, err := rpc.Dial("mem", append(o.client, dial)...)
	if err != nil {
		t.Fatal(err)
	}
	e.cc = cc
	e.client = echov1.NewEchoServiceClient(cc)
	t.Cleanup(func() {
		cc.Close()
		for _, c := range e.memConns() {
			c.Close()
		}
		e.srv.Stop()
	})
	return e
}

func (e *env) memConns() []*transporttest.Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*transporttest.Conn(nil), e.conns...)
}

// checkGoroutines fails the test if goroutines started during it are still
// running shortly after its cleanups.
func checkGoroutines(t testing.TB) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines left behind (%d before):\n%s", n-before, before, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// transports runs f over each transport the tests cover.
func transports(t *testing.T, o envOpts, f func(t *testing.T, e *env)) {
	for _, tr := range envMakers {
		t.Run(tr.name, func(t *testing.T) { f(t, tr.make(t, o)) })
	}
}

var envMakers = []struct {
	name string
	make func(testing.TB, envOpts) *env
}{
	{"mem", newMemEnv},
	{"h2", newH2Env},
}

// newH2Env serves over HTTP/2 (h2c) on a loopback port.
func newH2Env(t testing.TB, o envOpts) *env {
	t.Helper()
	checkGoroutines(t)
	e := &env{srv: rpc.NewServer(o.server...), impl: o.impl}
	if e.impl == nil {
		e.impl = &testEcho{}
	}
	echov1.RegisterEchoServiceServer(e.srv, e.impl)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(lis) }()
	cc, err := rpc.Dial(lis.Addr().String(), o.client...)
	if err != nil {
		t.Fatal(err)
	}
	e.cc = cc
	e.client = echov1.NewEchoServiceClient(cc)
	t.Cleanup(func() {
		cc.Close()
		e.srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return e
}

func wantCode(t *testing.T, err error, c codes.Code) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != c {
		t.Fatalf("error %v, want code %v", err, c)
	}
	return st
}

func TestUnary(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, size := range []int{0, 100, 70 << 10, 1 << 20} {
			payload := make([]byte, size)
			for i := range payload {
				payload[i] = byte(i)
			}
			resp, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "hi", Payload: payload})
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			if resp.Message != "hi" || string(resp.Payload) != string(payload) {
				t.Fatalf("size %d: got %q and %d bytes", size, resp.Message, len(resp.Payload))
			}
		}
	})
}

func TestServerStreaming(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		stream, err := e.client.ServerStream(ctx, &echov1.EchoRequest{Message: "m", Payload: []byte{100}})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			resp, err := stream.Recv()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if resp.Message != "m"+strconv.Itoa(i) {
				t.Fatalf("message %d: %q", i, resp.Message)
			}
		}
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatalf("end: %v", err)
		}
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatalf("after end: %v", err)
		}
		// Zero messages, then an error after two.
		stream, _ = e.client.ServerStream(ctx, &echov1.EchoRequest{Payload: []byte{0}})
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatalf("empty stream: %v", err)
		}
		stream, _ = e.client.ServerStream(ctx, &echov1.EchoRequest{Message: "fail:9:late", Payload: []byte{2}})
		for i := 0; i < 2; i++ {
			if _, err := stream.Recv(); err != nil {
				t.Fatal(err)
			}
		}
		_, err = stream.Recv()
		if st := wantCode(t, err, codes.FailedPrecondition); st.Message() != "late" {
			t.Fatalf("message %q", st.Message())
		}
	})
}

func TestClientStreaming(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		stream, err := e.client.ClientStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := 0; i < 50; i++ {
			want = append(want, strconv.Itoa(i))
			if err := stream.Send(&echov1.EchoRequest{Message: strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := stream.CloseAndRecv()
		if err != nil || resp.Message != strings.Join(want, ",") {
			t.Fatalf("got %v, %v", resp, err)
		}
		// No messages at all.
		stream, _ = e.client.ClientStream(ctx)
		if resp, err := stream.CloseAndRecv(); err != nil || resp.Message != "" {
			t.Fatalf("empty: %v, %v", resp, err)
		}
		// The server fails mid-stream: sends then report io.EOF, and the
		// status comes from CloseAndRecv.
		stream, _ = e.client.ClientStream(ctx)
		stream.Send(&echov1.EchoRequest{Message: "fail:10:stop"})
		var sendErr error
		for i := 0; i < 1000 && sendErr == nil; i++ {
			sendErr = stream.Send(&echov1.EchoRequest{Message: "more", Payload: make([]byte, 1024)})
		}
		if sendErr != nil && sendErr != io.EOF {
			t.Fatalf("Send after the server failed: %v", sendErr)
		}
		_, err = stream.CloseAndRecv()
		wantCode(t, err, codes.Aborted)
	})
}

func TestBidiStreaming(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-in", "v")
		stream, err := e.client.BidiStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hdr, err := stream.Header()
		if err != nil || hdr.Get("x-header")[0] != "v" {
			t.Fatalf("header %v, %v", hdr, err)
		}
		// Ping-pong.
		for i := 0; i < 20; i++ {
			if err := stream.Send(&echov1.EchoRequest{Message: strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
			resp, err := stream.Recv()
			if err != nil || resp.Message != strconv.Itoa(i) {
				t.Fatalf("%d: %v, %v", i, resp, err)
			}
		}
		// Full duplex: a writer and a reader at once.
		const n = 200
		errc := make(chan error, 1)
		go func() {
			for i := 0; i < n; i++ {
				if err := stream.Send(&echov1.EchoRequest{Message: "x", Payload: make([]byte, 4096)}); err != nil {
					errc <- err
					return
				}
			}
			errc <- stream.CloseSend()
		}()
		for i := 0; i < n; i++ {
			if _, err := stream.Recv(); err != nil {
				t.Fatalf("recv %d: %v", i, err)
			}
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatalf("end: %v", err)
		}
		if tr := stream.Trailer(); tr.Get("x-trailer")[0] != "v" {
			t.Fatalf("trailer %v", tr)
		}
	})
}

func TestStatusCodes(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		for c := codes.Code(1); c <= 16; c++ {
			msg := "failed: " + c.String() + " 100% \t \u00e9\u65e5"
			_, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "fail:" + strconv.Itoa(int(c)) + ":" + msg})
			st := wantCode(t, err, c)
			if st.Message() != msg {
				t.Fatalf("message %q, want %q", st.Message(), msg)
			}
			d := st.Details()
			if len(d) != 1 || d[0].(*durationpb.Duration).AsDuration() != time.Duration(c)*time.Second {
				t.Fatalf("details %v", d)
			}
			// The same through a stream's trailers, after messages.
			stream, _ := e.client.BidiStream(ctx)
			stream.Send(&echov1.EchoRequest{Message: "ok"})
			stream.Recv()
			stream.Send(&echov1.EchoRequest{Message: "fail:" + strconv.Itoa(int(c)) + ":" + msg})
			_, err = stream.Recv()
			if st := wantCode(t, err, c); st.Message() != msg || len(st.Details()) != 1 {
				t.Fatalf("stream status %v", st)
			}
		}
	})
}

func TestUnimplemented(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		var out echov1.EchoResponse
		err := e.cc.Invoke(ctx, "/shockwave.echo.v1.EchoService/Nope", &echov1.EchoRequest{}, &out)
		if st := wantCode(t, err, codes.Unimplemented); st.Message() != "unknown method Nope for service shockwave.echo.v1.EchoService" {
			t.Fatalf("message %q", st.Message())
		}
		err = e.cc.Invoke(ctx, "/no.Such/Method", &echov1.EchoRequest{}, &out)
		if st := wantCode(t, err, codes.Unimplemented); st.Message() != "unknown service no.Such" {
			t.Fatalf("message %q", st.Message())
		}
		stream, err := e.cc.NewStream(ctx, &rpc.StreamDesc{ServerStreams: true, ClientStreams: true}, "/no.Such/Method")
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, stream.RecvMsg(&out), codes.Unimplemented)
	})
}

func TestMetadata(t *testing.T) {
	transports(t, envOpts{client: []rpc.DialOption{rpc.WithUserAgent("test-agent/1")}}, func(t *testing.T, e *env) {
		ctx := metadata.NewOutgoingContext(context.Background(), metadata.Pairs(
			"x-in", "a", "x-in", "b", "x-in-bin", "\x00\x01bin",
			// Reserved names never go out as metadata.
			"grpc-status", "13", "content-type", "text/plain", "te", "gzip"))
		var hdr, trl metadata.MD
		resp, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "md"}, rpc.Header(&hdr), rpc.Trailer(&trl))
		if err != nil {
			t.Fatal(err)
		}
		if want := "a,b|test-agent/1 shockwave-go/" + rpc.Version; resp.Message != want {
			t.Fatalf("server saw %q, want %q", resp.Message, want)
		}
		if got := hdr.Get("x-header"); len(got) != 1 || got[0] != "a,b" {
			t.Fatalf("header %v", hdr)
		}
		if got := trl.Get("x-trailer-bin"); len(got) != 1 || got[0] != "\x00\xff\x00\x01bin" {
			t.Fatalf("trailer %v", trl)
		}
		for _, k := range []string{"grpc-status", "grpc-message", "content-type"} {
			if trl.Get(k) != nil || hdr.Get(k) != nil {
				t.Fatalf("protocol field %s in metadata: %v %v", k, hdr, trl)
			}
		}
		// A handler that never reads metadata gets none built; one that
		// does sees :authority and content-type as in grpc-go.
		var seen metadata.MD
		e2 := newMemEnv(t, envOpts{server: []rpc.ServerOption{rpc.UnaryInterceptor(func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			seen, _ = metadata.FromIncomingContext(ctx)
			return h(ctx, req)
		})}})
		if _, err := e2.client.Echo(ctx, &echov1.EchoRequest{}); err != nil {
			t.Fatal(err)
		}
		if seen.Get(":authority")[0] != "mem" || seen.Get("content-type")[0] != "application/grpc" || seen.Get("x-in-bin")[0] != "\x00\x01bin" {
			t.Fatalf("incoming metadata %v", seen)
		}
		if seen.Get("te") != nil || seen.Get("grpc-status") != nil {
			t.Fatalf("reserved fields in incoming metadata %v", seen)
		}
	})
}

func TestDeadline(t *testing.T) {
	for _, tr := range envMakers {
		t.Run(tr.name, func(t *testing.T) {
			// An impl per transport: a handler of one must not report to
			// the other.
			impl := &testEcho{ended: make(chan error, 1)}
			e := tr.make(t, envOpts{impl: impl})
			// Only the deadline's presence is checked here, so it is far
			// off: on a loaded machine a short one can pass before the
			// call gets through.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			resp, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "deadline"})
			if err != nil || resp.Message != "true" {
				t.Fatalf("server saw no deadline: %v, %v", resp, err)
			}
			resp, err = e.client.Echo(context.Background(), &echov1.EchoRequest{Message: "deadline"})
			if err != nil || resp.Message != "false" {
				t.Fatalf("server saw a deadline: %v, %v", resp, err)
			}
			ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = e.client.Echo(ctx, &echov1.EchoRequest{Message: "sleep"})
			wantCode(t, err, codes.DeadlineExceeded)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
			// An expired deadline fails before the handler runs.
			_, err = e.client.Echo(ctx, &echov1.EchoRequest{})
			wantCode(t, err, codes.DeadlineExceeded)

			// Whichever timer fires first, the client's (RST_STREAM
			// CANCEL) or the server's own, ends the handler's context.
			// The deadline may also pass before the request reaches the
			// server, and then no handler runs, so the test cannot wait
			// for one. Over HTTP/2, GracefulStop waits for any that runs
			// (the server takes every stream the client sent before it
			// acknowledged the shutdown PING), without ending it. In
			// memory a handler starts on its own goroutine, which
			// GracefulStop may not see yet (and its WaitGroup may not
			// race that start), so there closing the connections waits.
			stopped := make(chan struct{})
			go func() {
				if tr.name == "h2" {
					e.srv.GracefulStop()
				} else {
					for _, c := range e.memConns() {
						c.Close()
					}
				}
				close(stopped)
			}()
			select {
			case <-stopped:
			case <-time.After(10 * time.Second): // a safety net, not synchronisation
				t.Fatal("the handler of a call past its deadline still runs")
			}
			select {
			case err := <-impl.ended:
				if err != context.DeadlineExceeded && err != context.Canceled {
					t.Fatalf("server context ended with %v", err)
				}
			default:
			}
		})
	}
}

func TestCancel(t *testing.T) {
	impl := &testEcho{started: make(chan string, 1), ended: make(chan error, 1)}
	transports(t, envOpts{impl: impl}, func(t *testing.T, e *env) {
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "sleep"})
			errc <- err
		}()
		<-impl.started
		cancel()
		wantCode(t, <-errc, codes.Canceled)
		if err := <-impl.ended; err != context.Canceled {
			t.Fatalf("server context ended with %v", err)
		}
		// Cancelling a server stream in the middle.
		ctx, cancel = context.WithCancel(context.Background())
		stream, err := e.client.ServerStream(ctx, &echov1.EchoRequest{Message: "sleep", Payload: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		<-impl.started
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
		cancel()
		_, err = stream.Recv()
		wantCode(t, err, codes.Canceled)
		if err := <-impl.ended; err != context.Canceled {
			t.Fatalf("server stream context ended with %v", err)
		}
	})
}

func TestMessageSizeLimits(t *testing.T) {
	transports(t, envOpts{server: []rpc.ServerOption{rpc.MaxRecvMsgSize(1000), rpc.MaxSendMsgSize(2000)}}, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.client.Echo(ctx, &echov1.EchoRequest{Payload: make([]byte, 900)}); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.Echo(ctx, &echov1.EchoRequest{Payload: make([]byte, 1001)})
		wantCode(t, err, codes.ResourceExhausted)
		// The client's own receive limit.
		_, err = e.client.Echo(ctx, &echov1.EchoRequest{Payload: make([]byte, 900)}, rpc.MaxCallRecvMsgSize(500))
		wantCode(t, err, codes.ResourceExhausted)
		// The client's send limit fails before anything is sent.
		_, err = e.client.Echo(ctx, &echov1.EchoRequest{Payload: make([]byte, 900)}, rpc.MaxCallSendMsgSize(100))
		wantCode(t, err, codes.ResourceExhausted)
		// The server's send limit, on a stream.
		stream, _ := e.client.BidiStream(ctx)
		stream.Send(&echov1.EchoRequest{Payload: make([]byte, 800)})
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
		stream.CloseSend()
		stream.Recv()
		// Compressed requests are limited after decompression.
		_, err = e.client.Echo(ctx, &echov1.EchoRequest{Payload: make([]byte, 5000)}, rpc.UseCompressor("gzip"))
		wantCode(t, err, codes.ResourceExhausted)
	})
}

func TestCompression(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		payload := []byte(strings.Repeat("squeeze me ", 10000))
		resp, err := e.client.Echo(ctx, &echov1.EchoRequest{Payload: payload}, rpc.UseCompressor("gzip"))
		if err != nil || string(resp.Payload) != string(payload) {
			t.Fatalf("gzip unary: %v", err)
		}
		stream, _ := e.client.BidiStream(ctx, rpc.UseCompressor("gzip"))
		for i := 0; i < 5; i++ {
			stream.Send(&echov1.EchoRequest{Payload: payload})
			if resp, err := stream.Recv(); err != nil || len(resp.Payload) != len(payload) {
				t.Fatalf("gzip stream: %v", err)
			}
		}
		stream.CloseSend()
		if _, err := stream.Recv(); err != io.EOF {
			t.Fatal(err)
		}
		_, err = e.client.Echo(ctx, &echov1.EchoRequest{}, rpc.UseCompressor("snappy"))
		wantCode(t, err, codes.Internal)
	})
}

func TestInterceptorOrder(t *testing.T) {
	var mu sync.Mutex
	var trace []string
	add := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	su := func(name string) rpc.UnaryServerInterceptor {
		return func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			add("server " + name + " " + info.FullMethod)
			return h(ctx, req)
		}
	}
	ss := func(name string) rpc.StreamServerInterceptor {
		return func(srv any, stream rpc.ServerStream, info *rpc.StreamServerInfo, h rpc.StreamHandler) error {
			add("server stream " + name + " " + info.FullMethod)
			return h(srv, stream)
		}
	}
	cu := func(name string) rpc.UnaryClientInterceptor {
		return func(ctx context.Context, method string, req, reply any, cc *rpc.ClientConn, inv rpc.UnaryInvoker, opts ...rpc.CallOption) error {
			add("client " + name)
			return inv(ctx, method, req, reply, cc, opts...)
		}
	}
	cs := func(name string) rpc.StreamClientInterceptor {
		return func(ctx context.Context, desc *rpc.StreamDesc, cc *rpc.ClientConn, method string, streamer rpc.Streamer, opts ...rpc.CallOption) (rpc.ClientStream, error) {
			add("client stream " + name)
			return streamer(ctx, desc, cc, method, opts...)
		}
	}
	o := envOpts{
		server: []rpc.ServerOption{rpc.ChainUnaryInterceptor(su("1"), su("2")), rpc.UnaryInterceptor(su("3")),
			rpc.ChainStreamInterceptor(ss("1"), ss("2"))},
		client: []rpc.DialOption{rpc.WithChainUnaryInterceptor(cu("1"), cu("2")), rpc.WithStreamInterceptor(cs("1"))},
	}
	e := newMemEnv(t, o)
	if _, err := e.client.Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	stream, _ := e.client.ServerStream(context.Background(), &echov1.EchoRequest{Payload: []byte{1}})
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	want := []string{
		"client 1", "client 2",
		// UnaryInterceptor's runs before the chained ones, as in grpc-go.
		"server 3 /shockwave.echo.v1.EchoService/Echo", "server 1 /shockwave.echo.v1.EchoService/Echo", "server 2 /shockwave.echo.v1.EchoService/Echo",
		"client stream 1",
		"server stream 1 /shockwave.echo.v1.EchoService/ServerStream", "server stream 2 /shockwave.echo.v1.EchoService/ServerStream",
	}
	if strings.Join(trace, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trace:\n%s\nwant:\n%s", strings.Join(trace, "\n"), strings.Join(want, "\n"))
	}
}

// rawCall sends body as the request body of a call to path over a fresh
// in-memory connection and returns the response head, body and trailers.
func rawCall(t *testing.T, h transport.Handler, path, contentType string, body []byte) (*transport.Response, []byte, *transport.Header) {
	t.Helper()
	c := transporttest.NewConn(h)
	t.Cleanup(func() { c.Close() })
	st, err := c.NewStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := st.Request()
	req.SetMethodString("POST")
	req.SetPathString(path)
	req.SetSchemeString("http")
	req.SetAuthorityString("x")
	req.Header.AddString("content-type", contentType)
	req.Header.AddString("te", "trailers")
	st.Write(body)
	st.CloseSend(nil)
	resp, err := st.Response()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(st)
	return resp, out, st.Trailers()
}

func grpcStatusOf(resp *transport.Response, trailers *transport.Header) (string, string) {
	h := trailers
	if _, ok := resp.Header.Get("grpc-status"); ok {
		h = &resp.Header
	}
	s, _ := h.Get("grpc-status")
	m, _ := h.Get("grpc-message")
	return string(s), string(m)
}

func TestUnaryCardinality(t *testing.T) {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	msg := []byte{0, 0, 0, 0, 2, 10, 0} // EchoRequest{Message: ""} with an empty field
	for _, path := range []string{echov1.EchoService_Echo_FullMethodName, echov1.EchoService_ServerStream_FullMethodName} {
		for name, body := range map[string][]byte{"none": nil, "two": append(append([]byte{}, msg...), msg...)} {
			resp, out, tr := rawCall(t, srv, path, "application/grpc", body)
			code, m := grpcStatusOf(resp, tr)
			if code != "12" || len(out) != 0 {
				t.Errorf("%s with %s messages: status %s %q, %d body bytes", path, name, code, m, len(out))
			}
		}
		resp, _, tr := rawCall(t, srv, path, "application/grpc", msg)
		if code, m := grpcStatusOf(resp, tr); code != "0" {
			t.Errorf("%s with one message: status %s %q", path, code, m)
		}
	}
}

func TestNotGRPC(t *testing.T) {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	resp, _, tr := rawCall(t, srv, echov1.EchoService_Echo_FullMethodName, "application/json", nil)
	if code, _ := grpcStatusOf(resp, tr); resp.Status != 415 || code != "3" {
		t.Fatalf("got HTTP %d, grpc-status %s", resp.Status, code)
	}
	resp, _, tr = rawCall(t, srv, echov1.EchoService_Echo_FullMethodName, "application/grpc+cbor", nil)
	if resp.Status != 415 {
		t.Fatalf("unknown codec: HTTP %d", resp.Status)
	}
	// An encoding we do not have: UNIMPLEMENTED, listing ours.
	c := transporttest.NewConn(srv)
	defer c.Close()
	st, _ := c.NewStream(context.Background())
	req := st.Request()
	req.SetMethodString("POST")
	req.SetPathString(echov1.EchoService_Echo_FullMethodName)
	req.Header.AddString("content-type", "application/grpc")
	req.Header.AddString("grpc-encoding", "br")
	st.CloseSend(nil)
	r, _ := st.Response()
	if code, _ := r.Header.Get("grpc-status"); string(code) != "12" {
		t.Fatalf("unknown encoding: grpc-status %s", code)
	}
	if ae, _ := r.Header.Get("grpc-accept-encoding"); string(ae) != "gzip" {
		t.Fatalf("grpc-accept-encoding %q", ae)
	}
	st.Close()
}

func TestJSONCodec(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		resp, err := e.client.Echo(context.Background(), &echov1.EchoRequest{Message: "json"}, rpc.CallContentSubtype("json"))
		if err != nil || resp.Message != "json" {
			t.Fatalf("%v, %v", resp, err)
		}
	})
}

func TestReconnectAfterGoAway(t *testing.T) {
	e := newMemEnv(t, envOpts{})
	ctx := context.Background()
	if _, err := e.client.Echo(ctx, &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	// A call in flight when GOAWAY comes finishes on the old connection;
	// the next call dials a new one.
	impl := e.impl
	impl.started = make(chan string, 1)
	impl.ended = make(chan error, 1)
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.Echo(sctx, &echov1.EchoRequest{Message: "sleep"})
		errc <- err
	}()
	<-impl.started
	impl.started = nil
	e.memConns()[0].GoAway()
	if _, err := e.client.Echo(ctx, &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.memConns()); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	if e.memConns()[0].Active() != 1 {
		t.Fatal("the old connection lost its call")
	}
	cancel()
	wantCode(t, <-errc, codes.Canceled)
	<-impl.ended
	// A connection that fails is replaced too.
	e.memConns()[1].Close()
	if _, err := e.client.Echo(ctx, &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.memConns()); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
}

// refusingConn refuses its first streams as unprocessed: refuse[i] is how
// the i-th is refused, remote (REFUSED_STREAM from the server, or a GOAWAY
// below the stream's ID) or local (the connection was closing and the
// stream never left); the streams after those go through.
type refusingConn struct {
	*transporttest.Conn
	refuse  []bool
	streams int
}

func (c *refusingConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	c.streams++
	if len(c.refuse) > 0 {
		remote := c.refuse[0]
		c.refuse = c.refuse[1:]
		return nil, &transport.StreamError{Code: transport.RefusedStream, Remote: remote, Unprocessed: true}
	}
	return c.Conn.NewStream(ctx)
}

// gRFC A6's transparent retry, as grpc-go does it: a stream the server
// refused goes again if it was the first attempt; one that never left this
// side as often as it takes, within a bound.
func TestTransparentRetry(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	const remote, local = true, false
	for _, tc := range []struct {
		name    string
		refuse  []bool
		ok      bool
		streams int
	}{
		{"remote once", []bool{remote}, true, 2},
		{"remote twice", []bool{remote, remote}, false, 2},
		{"local thrice", []bool{local, local, local}, true, 4},
		{"local then remote", []bool{local, remote}, false, 2},
		{"local without end", slices.Repeat([]bool{local}, 100), false, 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, shape := range []string{"unary", "stream"} {
				c := &refusingConn{Conn: transporttest.NewConn(srv), refuse: slices.Clone(tc.refuse)}
				cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
					return c, nil
				}))
				client := echov1.NewEchoServiceClient(cc)
				var err error
				if shape == "unary" {
					_, err = client.Echo(context.Background(), &echov1.EchoRequest{})
				} else {
					var s rpc.BidiStreamingClient[echov1.EchoRequest, echov1.EchoResponse]
					if s, err = client.BidiStream(context.Background()); err == nil {
						s.CloseSend()
						_, err = s.Recv()
						if err == io.EOF {
							err = nil
						}
					}
				}
				if tc.ok && err != nil {
					t.Errorf("%s: %v", shape, err)
				}
				if !tc.ok {
					wantCode(t, err, codes.Unavailable)
				}
				if c.streams != tc.streams {
					t.Errorf("%s: %d attempts, want %d", shape, c.streams, tc.streams)
				}
				cc.Close()
				c.Close()
			}
		})
	}
}

func TestDialFailureBackoff(t *testing.T) {
	checkGoroutines(t)
	fail := true
	var mu sync.Mutex
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	var conns []*transporttest.Conn
	cc, _ := rpc.Dial("x", rpc.WithConnectBackoff(20*time.Millisecond, 40*time.Millisecond),
		rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return nil, errors.New("connection refused")
			}
			c := transporttest.NewConn(srv)
			conns = append(conns, c)
			return c, nil
		}))
	defer func() {
		cc.Close()
		for _, c := range conns {
			c.Close()
		}
	}()
	client := echov1.NewEchoServiceClient(cc)
	_, err := client.Echo(context.Background(), &echov1.EchoRequest{})
	if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "connection refused") {
		t.Fatalf("message %q", st.Message())
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	// WaitForReady waits out the backoff and then connects.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := client.Echo(ctx, &echov1.EchoRequest{}, rpc.WaitForReady(true)); err != nil {
		t.Fatal(err)
	}
}

func TestClosedClientConn(t *testing.T) {
	e := newMemEnv(t, envOpts{})
	e.cc.Close()
	_, err := e.client.Echo(context.Background(), &echov1.EchoRequest{})
	wantCode(t, err, codes.Canceled)
}

func TestGracefulStopWaitsForCalls(t *testing.T) {
	impl := &testEcho{started: make(chan string, 1), ended: make(chan error, 1)}
	e := newMemEnv(t, envOpts{impl: impl})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.client.Echo(ctx, &echov1.EchoRequest{Message: "sleep"})
	<-impl.started
	stopped := make(chan struct{})
	go func() {
		e.srv.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned with a call in flight")
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	<-impl.ended
	<-stopped
}

func TestRegisterServiceChecksType(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "does not satisfy") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	rpc.NewServer().RegisterService(&echov1.EchoService_ServiceDesc, struct{}{})
}

// A response that is not gRPC (from a proxy, say) maps to a code by its
// HTTP status, per gRPC's http-grpc-status-mapping.md.
func TestHTTPStatusMapping(t *testing.T) {
	checkGoroutines(t)
	for _, tc := range []struct {
		status int
		ct     string
		want   codes.Code
	}{
		{400, "text/plain", codes.Internal},
		{401, "text/plain", codes.Unauthenticated},
		{403, "text/plain", codes.PermissionDenied},
		{404, "text/plain", codes.Unimplemented},
		{429, "text/plain", codes.Unavailable},
		{502, "text/plain", codes.Unavailable},
		{503, "text/plain", codes.Unavailable},
		{504, "text/plain", codes.Unavailable},
		{500, "text/plain", codes.Unknown},
		{200, "text/html", codes.Unknown},
	} {
		h := transport.HandlerFunc(func(st transport.ServerStream) {
			io.Copy(io.Discard, st)
			st.Response().Status = tc.status
			st.Response().Header.AddString("content-type", tc.ct)
			st.Write([]byte("<html>nope</html>"))
			st.Finish(nil)
		})
		var conn *transporttest.Conn
		cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
			conn = transporttest.NewConn(h)
			return conn, nil
		}))
		var out echov1.EchoResponse
		err := cc.Invoke(context.Background(), echov1.EchoService_Echo_FullMethodName, &echov1.EchoRequest{}, &out)
		if status.Code(err) != tc.want {
			t.Errorf("HTTP %d %s: %v, want %v", tc.status, tc.ct, err, tc.want)
		}
		stream, err := cc.NewStream(context.Background(), &rpc.StreamDesc{ServerStreams: true}, echov1.EchoService_ServerStream_FullMethodName)
		if err == nil {
			stream.SendMsg(&echov1.EchoRequest{})
			err = stream.RecvMsg(&out)
		}
		if status.Code(err) != tc.want {
			t.Errorf("stream, HTTP %d %s: %v, want %v", tc.status, tc.ct, err, tc.want)
		}
		cc.Close()
		conn.Close()
	}
}

// Per-message compression on the server: the call announces gzip, then
// switches single messages to identity and back.
func TestPerMessageSendCompression(t *testing.T) {
	srv := rpc.NewServer()
	srv.RegisterService(&rpc.ServiceDesc{
		ServiceName: "t.S",
		HandlerType: (*any)(nil),
		Streams: []rpc.StreamDesc{{StreamName: "M", ServerStreams: true, Handler: func(_ any, ss rpc.ServerStream) error {
			var req echov1.EchoRequest
			if err := ss.RecvMsg(&req); err != nil {
				return err
			}
			for i, on := range []bool{true, false, true} {
				name := "identity"
				if on {
					name = "gzip"
				}
				if err := rpc.SetSendCompressor(ss.Context(), name); err != nil {
					return err
				}
				if err := ss.SendMsg(&echov1.EchoResponse{Message: strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			// Another encoding than the announced one is refused.
			if err := rpc.SetSendCompressor(ss.Context(), "identity"); err != nil {
				return err
			}
			return nil
		}}},
	}, struct{}{})
	resp, body, tr := rawCall(t, srv, "/t.S/M", "application/grpc", []byte{0, 0, 0, 0, 0})
	if enc, _ := resp.Header.Get("grpc-encoding"); string(enc) != "gzip" {
		t.Fatalf("grpc-encoding %q", enc)
	}
	var flags []byte
	for len(body) >= 5 {
		n := int(body[1])<<24 | int(body[2])<<16 | int(body[3])<<8 | int(body[4])
		flags = append(flags, body[0])
		body = body[5+n:]
	}
	if string(flags) != "\x01\x00\x01" {
		t.Fatalf("compressed flags %x, want 010001", flags)
	}
	if code, msg := grpcStatusOf(resp, tr); code != "0" {
		t.Fatalf("status %s %s", code, msg)
	}
}

// refusedLaterConn's first streams open and send, and then learn that the
// server did not process them, as with a REFUSED_STREAM or a GOAWAY below
// their ID arriving after the request went out.
type refusedLaterConn struct {
	*transporttest.Conn
	refuse int
	// okWrites is how many writes a refused stream takes before the
	// refusal shows there too (0: all of them; it shows in Response).
	okWrites int
	streams  int
}

type refusedLaterStream struct {
	transport.ClientStream
	okWrites int // -1: all
}

var errRefusedLater = &transport.StreamError{Code: transport.RefusedStream, Remote: true, Unprocessed: true}

func (*refusedLaterStream) Response() (*transport.Response, error) {
	return nil, errRefusedLater
}

func (s *refusedLaterStream) Write(p []byte) (int, error) {
	if s.okWrites == 0 {
		return 0, errRefusedLater
	}
	if s.okWrites > 0 {
		s.okWrites--
	}
	return s.ClientStream.Write(p)
}

func (s *refusedLaterStream) Flush() error {
	if s.okWrites == 0 {
		return errRefusedLater
	}
	return s.ClientStream.Flush()
}

func (s *refusedLaterStream) CloseSend(tr *transport.Header) error {
	if s.okWrites == 0 {
		return errRefusedLater
	}
	return s.ClientStream.CloseSend(tr)
}

func (c *refusedLaterConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.Conn.NewStream(ctx)
	c.streams++
	if err == nil {
		// Each attempt on its own address, for the Peer option.
		st.Request().RemoteAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.streams}
	}
	if err == nil && c.refuse > 0 {
		c.refuse--
		ok := c.okWrites
		if ok == 0 {
			ok = -1
		}
		return &refusedLaterStream{ClientStream: st, okWrites: ok}, nil
	}
	return st, err
}

// A server-streaming call whose one request the server did not process
// sends it again on a new stream, as grpc-go replays it; a second refusal
// ends the call (the first attempt only is retried), and so does one of a
// request larger than the 256 KiB kept for a replay, with the refusal as
// its status.
func TestTransparentRetryReplaysRequest(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	for _, tc := range []struct {
		refuse, streams int
		payload         int
		ok              bool
	}{{1, 2, 0, true}, {2, 2, 0, false}, {1, 1, 300 << 10, false}} {
		c := &refusedLaterConn{Conn: transporttest.NewConn(srv), refuse: tc.refuse}
		cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
			return c, nil
		}))
		var p peer.Peer
		stream, err := echov1.NewEchoServiceClient(cc).ServerStream(context.Background(), &echov1.EchoRequest{Message: "again", Payload: make([]byte, tc.payload)}, rpc.Peer(&p))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			resp, err := stream.Recv()
			if err != nil {
				if tc.ok && err != io.EOF {
					t.Errorf("refused %d times: %v", tc.refuse, err)
				}
				if !tc.ok {
					if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "REFUSED_STREAM") {
						t.Errorf("refused %d times: message %q, want the refusal", tc.refuse, st.Message())
					}
				}
				break
			}
			got = append(got, resp.Message)
		}
		if tc.ok && (len(got) == 0 || !strings.HasPrefix(got[0], "again")) {
			t.Errorf("refused %d times: responses %q", tc.refuse, got)
		}
		if c.streams != tc.streams {
			t.Errorf("refused %d times: %d streams, want %d", tc.refuse, c.streams, tc.streams)
		}
		// The Peer option reports the attempt the call ended on, as
		// grpc-go's does.
		if a, ok := p.Addr.(*net.TCPAddr); !ok || a.Port != c.streams {
			t.Errorf("refused %d times: peer %v, want the stream of attempt %d", tc.refuse, p.Addr, c.streams)
		}
		cc.Close()
		c.Close()
	}
}

// Calls with a request stream keep what they sent until the response head
// commits them (up to 256 KiB, as grpc-go's retry buffer) and replay it on
// a new stream when the server did not process the first, whether the
// refusal shows in a later SendMsg or in the response. A
// second refusal ends the call, as does one after more than 256 KiB, with
// the refusal as its status.
func TestTransparentRetryReplaysRequestStream(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	big := make([]byte, 100<<10)
	for _, tc := range []struct {
		name             string
		bidi             bool
		refuse, okWrites int
		payload          []byte
		streams          int
		ok               bool
	}{
		{name: "client stream, refused in the response", refuse: 1, streams: 2, ok: true},
		{name: "client stream, refused at the second message", refuse: 1, okWrites: 1, streams: 2, ok: true},
		{name: "client stream, refused at the last flush", refuse: 1, okWrites: 3, streams: 2, ok: true},
		{name: "bidi, refused in the response", bidi: true, refuse: 1, streams: 2, ok: true},
		{name: "bidi, refused at the third message", bidi: true, refuse: 1, okWrites: 2, streams: 2, ok: true},
		{name: "refused twice", refuse: 2, streams: 2},
		{name: "more than 256 KiB sent", refuse: 1, payload: big, streams: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &refusedLaterConn{Conn: transporttest.NewConn(srv), refuse: tc.refuse, okWrites: tc.okWrites}
			defer c.Close()
			cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
				return c, nil
			}))
			defer cc.Close()
			client := echov1.NewEchoServiceClient(cc)
			words := []string{"a", "b", "c"}
			var p peer.Peer
			var got string
			var err error
			if tc.bidi {
				var stream echov1.EchoService_BidiStreamClient
				stream, err = client.BidiStream(context.Background(), rpc.Peer(&p))
				if err != nil {
					t.Fatal(err)
				}
				// Receiving in another goroutine while sending, so
				// that a replay from SendMsg races the wait for the
				// head (under -race).
				var msgs []string
				recvd := make(chan error, 1)
				go func() {
					for {
						resp, rerr := stream.Recv()
						if rerr != nil {
							if rerr == io.EOF {
								rerr = nil
							}
							recvd <- rerr
							return
						}
						msgs = append(msgs, resp.Message)
					}
				}()
				for _, w := range words {
					if stream.Send(&echov1.EchoRequest{Message: w, Payload: tc.payload}) != nil {
						break // Recv tells
					}
				}
				stream.CloseSend()
				err = <-recvd
				got = strings.Join(msgs, ",")
			} else {
				var stream echov1.EchoService_ClientStreamClient
				stream, err = client.ClientStream(context.Background(), rpc.Peer(&p))
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range words {
					if err = stream.Send(&echov1.EchoRequest{Message: w, Payload: tc.payload}); err != nil {
						break
					}
				}
				var resp *echov1.EchoResponse
				resp, err = stream.CloseAndRecv()
				if resp != nil {
					got = resp.Message
				}
			}
			if tc.ok {
				if err != nil || got != "a,b,c" {
					t.Errorf("got %q, %v; want \"a,b,c\"", got, err)
				}
			} else if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "REFUSED_STREAM") {
				t.Errorf("message %q, want the refusal", st.Message())
			}
			if c.streams != tc.streams {
				t.Errorf("%d streams, want %d", c.streams, tc.streams)
			}
			if a, ok := p.Addr.(*net.TCPAddr); !ok || a.Port != c.streams {
				t.Errorf("peer %v, want the stream of attempt %d", p.Addr, c.streams)
			}
		})
	}
}

// A call that reaches a stopped server through a transport the server does
// not own (here the in-memory one) is refused UNAVAILABLE and runs no
// handler: Stop and GracefulStop return with no handler left to come.
func TestStoppedServerRefusesCalls(t *testing.T) {
	checkGoroutines(t)
	for _, graceful := range []bool{false, true} {
		srv := rpc.NewServer()
		impl := &testEcho{started: make(chan string, 1)}
		echov1.RegisterEchoServiceServer(srv, impl)
		c := transporttest.NewConn(srv)
		cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, target string) (transport.ClientConn, error) {
			return c, nil
		}))
		if graceful {
			srv.GracefulStop()
		} else {
			srv.Stop()
		}
		_, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{Message: "hi"})
		if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "stopped") {
			t.Fatalf("message %q", st.Message())
		}
		select {
		case m := <-impl.started:
			t.Fatalf("a handler ran after the server stopped (%q)", m)
		default:
		}
		cc.Close()
		c.Close()
	}
}
