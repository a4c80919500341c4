package rpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// A bidi call whose sender is blocked on flow control (the server echoes
// and waits for this client to read) still lets its receiver read: the
// wait for the response head, which commits the call, must not wait for
// the sender.
func TestBidiRecvWhileSendBlocked(t *testing.T) {
	checkGoroutines(t)
	cc := serveAndDial(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := echov1.NewEchoServiceClient(cc).BidiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	payload := make([]byte, 1<<20) // beyond the windows both ways
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := stream.Send(&echov1.EchoRequest{Message: "m", Payload: payload}); err != nil {
				sent <- err
				return
			}
		}
		sent <- stream.CloseSend()
	}()
	got := 0
	for {
		_, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d echoes: %v", got, err)
		}
		got++
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Fatalf("%d echoes, want %d", got, n)
	}
}

// refuseSecondWrite wraps a real h2 connection. The first stream's
// messages never reach the server (so no response head can come on it),
// and its second Write fails as if the server had refused the stream.
type refuseSecondWrite struct {
	*h2.ClientConn
	n     atomic.Int32
	first atomic.Pointer[closeWatch]
}

type closeWatch struct {
	transport.ClientStream
	writes     int
	inResponse atomic.Int32
	closed     atomic.Bool
	closedIn   atomic.Bool // Close came while a Response was waiting
}

func (s *closeWatch) Write(p []byte) (int, error) {
	if s.writes++; s.writes == 2 {
		return 0, errRefusedLater
	}
	return len(p), nil
}

func (s *closeWatch) Response() (*transport.Response, error) {
	s.inResponse.Add(1)
	defer s.inResponse.Add(-1)
	return s.ClientStream.Response()
}

func (s *closeWatch) Close() {
	if s.inResponse.Load() > 0 {
		s.closedIn.Store(true)
	}
	s.closed.Store(true)
	s.ClientStream.Close()
}

func (c *refuseSecondWrite) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.ClientConn.NewStream(ctx)
	if err != nil || c.n.Add(1) != 1 {
		return st, err
	}
	w := &closeWatch{ClientStream: st}
	c.first.Store(w)
	return w, nil
}

// replayRig is a bidi call over real h2 through refuseSecondWrite (its
// first stream's Response errors 200ms late with slow), with "a" sent and
// a Recv goroutine already waiting on the first stream's head: the next
// Send meets the refusal and replays the call from SendMsg. recvd gives
// the messages received, or an error, once Recv ends.
type replayRig struct {
	client echov1.EchoServiceClient
	stream echov1.EchoService_BidiStreamClient
	conn   *refuseSecondWrite // once a call has opened a stream
	first  *closeWatch
	ctx    context.Context
	recvd  chan []string
}

// dialReplayRig is a client of a real h2 server through refuseSecondWrite,
// with no call yet.
func dialReplayRig(t *testing.T, slow bool) *replayRig {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, served := serveOn(t, lis)
	t.Cleanup(func() { srv.Stop(); <-served })
	r := &replayRig{recvd: make(chan []string, 1)}
	cc, err := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, _ string) (transport.ClientConn, error) {
		c, err := h2.Dial(ctx, lis.Addr().String())
		if err != nil {
			return nil, err
		}
		r.conn = &refuseSecondWrite{ClientConn: c}
		if slow {
			return slowRefused{r.conn}, nil
		}
		return r.conn, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	var cancel context.CancelFunc
	r.ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	r.client = echov1.NewEchoServiceClient(cc)
	return r
}

func startReplayRig(t *testing.T, slow bool) *replayRig {
	t.Helper()
	r := dialReplayRig(t, slow)
	ctx := r.ctx
	var err error
	if r.stream, err = r.client.BidiStream(ctx); err != nil {
		t.Fatal(err)
	}
	go func() {
		var msgs []string
		for {
			m, err := r.stream.Recv()
			if err != nil {
				if err != io.EOF {
					msgs = append(msgs, "error: "+err.Error())
				}
				r.recvd <- msgs
				return
			}
			msgs = append(msgs, m.Message)
		}
	}()
	if err := r.stream.Send(&echov1.EchoRequest{Message: "a"}); err != nil {
		t.Fatalf("Send a: %v", err)
	}
	r.first = r.conn.first.Load()
	for r.first.inResponse.Load() == 0 {
		if ctx.Err() != nil {
			t.Fatal("Recv never waited for the head")
		}
		time.Sleep(time.Millisecond)
	}
	return r
}

// A bidi call replayed from SendMsg while its Recv waits on the first
// stream's head: the first stream is reset but not released while that
// Recv waits on it (the transport reuses released streams, and the
// waiting Recv would act on whatever call got it next); the call
// completes on the new stream, and calls after it on the same connection
// are unharmed.
func TestReplayKeepsOldStreamWhileRecvWaits(t *testing.T) {
	checkGoroutines(t)
	r := startReplayRig(t, false)
	for _, w := range []string{"b", "c"} { // b meets the refusal
		if err := r.stream.Send(&echov1.EchoRequest{Message: w}); err != nil {
			t.Fatalf("Send %s: %v", w, err)
		}
	}
	r.stream.CloseSend()
	if msgs := <-r.recvd; len(msgs) != 3 || msgs[0] != "a" || msgs[2] != "c" {
		t.Fatalf("received %q, want [a b c]", msgs)
	}
	if r.first.closedIn.Load() {
		t.Fatal("the replaced stream was released while Recv waited on it")
	}
	if !r.first.closed.Load() {
		t.Fatal("the replaced stream was not released when the call ended")
	}
	for i := 0; i < 20; i++ {
		if _, err := r.client.Echo(r.ctx, &echov1.EchoRequest{Message: "x"}); err != nil {
			t.Fatalf("call %d after the replay: %v", i, err)
		}
	}
}

// Once the new stream's head has come, nothing can wait on the replaced
// stream: it is released then, with its connection (a replay after a
// GOAWAY lets the draining connection close), not when a long call ends.
func TestReplayReleasesOldStreamAtHead(t *testing.T) {
	checkGoroutines(t)
	r := startReplayRig(t, false)
	if err := r.stream.Send(&echov1.EchoRequest{Message: "b"}); err != nil { // meets the refusal
		t.Fatalf("Send b: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !r.first.closed.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the replaced stream is still held while the call goes on")
		}
		time.Sleep(time.Millisecond)
	}
	if r.first.closedIn.Load() {
		t.Fatal("the replaced stream was released while Recv waited on it")
	}
	if err := r.stream.Send(&echov1.EchoRequest{Message: "c"}); err != nil {
		t.Fatalf("Send c: %v", err)
	}
	r.stream.CloseSend()
	if msgs := <-r.recvd; len(msgs) != 3 || msgs[0] != "a" || msgs[1] != "b" || msgs[2] != "c" {
		t.Fatalf("received %q, want [a b c]", msgs)
	}
}

// A stream a replay replaces while nothing waits for the response head
// (a client-streaming call still sending) is released at once, with its
// connection, not when the caller gets round to the response.
func TestReplayReleasesOldStreamWhileSending(t *testing.T) {
	checkGoroutines(t)
	r := dialReplayRig(t, false)
	stream, err := r.client.ClientStream(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"a", "b"} { // b meets the refusal
		if err := stream.Send(&echov1.EchoRequest{Message: w}); err != nil {
			t.Fatalf("Send %s: %v", w, err)
		}
	}
	if first := r.conn.first.Load(); !first.closed.Load() {
		t.Fatal("the replaced stream is still held while the call sends")
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "c"}); err != nil {
		t.Fatalf("Send c: %v", err)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil || resp.Message != "a,b,c" {
		t.Fatalf("CloseAndRecv: %v, %v; want a,b,c", resp, err)
	}
}

// localRefusal is a stream that never left this side: transparent retry
// allows more than one of those.
var localRefusal = &transport.StreamError{Code: transport.RefusedStream, Unprocessed: true}

// goneLocalConn: its first stream takes one message, then fails as never
// sent (locally unprocessed); the next NewStream fails outright, once.
type goneLocalConn struct {
	*transporttest.Conn
	streams int
}

type goneLocalStream struct {
	transport.ClientStream
	writes int
}

func (s *goneLocalStream) Write(p []byte) (int, error) {
	if s.writes++; s.writes > 1 {
		return 0, localRefusal
	}
	return s.ClientStream.Write(p)
}

func (s *goneLocalStream) Flush() error {
	if s.writes > 1 {
		return localRefusal
	}
	return s.ClientStream.Flush()
}

func (*goneLocalStream) Response() (*transport.Response, error) { return nil, localRefusal }

func (c *goneLocalConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	c.streams++
	switch c.streams {
	case 1:
		st, err := c.Conn.NewStream(ctx)
		if err != nil {
			return nil, err
		}
		return &goneLocalStream{ClientStream: st}, nil
	case 2:
		return nil, errors.New("no connection right now")
	}
	return c.Conn.NewStream(ctx)
}

// A client-streaming call whose SendMsg failed (the caller was told
// io.EOF and sends no more) is not replayed later from the wait for the
// response: the new stream would wait for messages and a CloseSend that
// never come, until the deadline. The call fails with the first stream's
// error instead.
func TestNoReplayAfterSendFailed(t *testing.T) {
	checkGoroutines(t)
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, &testEcho{})
	c := &goneLocalConn{Conn: transporttest.NewConn(srv)}
	defer c.Close()
	cc, _ := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, _ string) (transport.ClientConn, error) {
		return c, nil
	}))
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := echov1.NewEchoServiceClient(cc).ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "a"}); err != nil {
		t.Fatalf("Send a: %v", err)
	}
	if err := stream.Send(&echov1.EchoRequest{Message: "b"}); err != io.EOF {
		t.Fatalf("Send b: %v, want io.EOF (the stream failed and its replay could not open)", err)
	}
	// As grpc-go's docs say to after io.EOF: RecvMsg for the status, with
	// no CloseSend.
	err = stream.RecvMsg(new(echov1.EchoResponse))
	if st := wantCode(t, err, codes.Unavailable); !strings.Contains(st.Message(), "REFUSED_STREAM") {
		t.Fatalf("status %v, want the first stream's refusal", st)
	}
}

// slowRefused delays the error of the replaced stream's Response, as if
// the goroutine waiting on it were scheduled only after the sender moved
// on to the new stream.
type slowRefused struct{ *refuseSecondWrite }

func (c slowRefused) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.refuseSecondWrite.NewStream(ctx)
	if w, ok := st.(*closeWatch); ok {
		return slowResponse{w}, err
	}
	return st, err
}

type slowResponse struct{ *closeWatch }

func (s slowResponse) Response() (*transport.Response, error) {
	r, err := s.closeWatch.Response()
	if err != nil {
		time.Sleep(200 * time.Millisecond)
	}
	return r, err
}

// After a replay from SendMsg, the sender goes on with more than the
// windows hold while the server echoes: the Recv that the replay's reset
// woke from the old stream must follow the new one without waiting for
// the blocked sender's lock.
func TestRecvAfterReplayWhileSendBlocked(t *testing.T) {
	checkGoroutines(t)
	r := startReplayRig(t, true)
	if err := r.stream.Send(&echov1.EchoRequest{Message: "b"}); err != nil { // the replay
		t.Fatalf("Send b: %v", err)
	}
	payload := make([]byte, 1<<20)
	const n = 4
	for i := 0; i < n; i++ {
		if err := r.stream.Send(&echov1.EchoRequest{Message: "big", Payload: payload}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	r.stream.CloseSend()
	if msgs := <-r.recvd; len(msgs) != n+2 || msgs[n+1] != "big" {
		t.Fatalf("received %d messages, want %d: %.300q", len(msgs), n+2, msgs)
	}
}
