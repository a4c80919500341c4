package echov1_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// These tests drive the generated stubs without a transport: handlers are
// called through the ServiceDesc as a server would, and clients talk to a
// fake connection that records what they ask for.

type registrar struct {
	desc *rpc.ServiceDesc
	impl any
}

func (r *registrar) RegisterService(desc *rpc.ServiceDesc, impl any) { r.desc, r.impl = desc, impl }

// echoImpl implements every method by echoing.
type echoImpl struct {
	echov1.UnimplementedEchoServiceServer
	resp *echov1.EchoResponse // returned by Echo when set, to measure allocations
}

func (s *echoImpl) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	if s.resp != nil {
		return s.resp, nil
	}
	return &echov1.EchoResponse{Message: req.GetMessage(), Payload: req.GetPayload()}, nil
}

func (s *echoImpl) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	for i := 0; i < 3; i++ {
		if err := stream.Send(&echov1.EchoResponse{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
	return nil
}

func (s *echoImpl) ClientStream(stream rpc.ClientStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	var all string
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&echov1.EchoResponse{Message: all})
		}
		if err != nil {
			return err
		}
		all += req.GetMessage()
	}
}

func (s *echoImpl) BidiStream(stream rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&echov1.EchoResponse{Message: req.GetMessage()}); err != nil {
			return err
		}
	}
}

// fakeServerStream replays queued requests and records sent responses.
type fakeServerStream struct {
	in  []*echov1.EchoRequest
	out []*echov1.EchoResponse
}

func (f *fakeServerStream) SetHeader(metadata.MD) error  { return nil }
func (f *fakeServerStream) SendHeader(metadata.MD) error { return nil }
func (f *fakeServerStream) SetTrailer(metadata.MD)       {}
func (f *fakeServerStream) Context() context.Context     { return context.Background() }
func (f *fakeServerStream) SendMsg(m any) error {
	f.out = append(f.out, m.(*echov1.EchoResponse))
	return nil
}
func (f *fakeServerStream) RecvMsg(m any) error {
	if len(f.in) == 0 {
		return io.EOF
	}
	proto.Merge(m.(*echov1.EchoRequest), f.in[0])
	f.in = f.in[1:]
	return nil
}

func register(t *testing.T, impl echov1.EchoServiceServer) *registrar {
	t.Helper()
	r := &registrar{}
	echov1.RegisterEchoServiceServer(r, impl)
	if r.desc != &echov1.EchoService_ServiceDesc || r.impl != impl {
		t.Fatal("RegisterEchoServiceServer did not register the ServiceDesc and implementation")
	}
	return r
}

func streamHandler(t *testing.T, desc *rpc.ServiceDesc, name string) rpc.StreamDesc {
	t.Helper()
	for _, s := range desc.Streams {
		if s.StreamName == name {
			return s
		}
	}
	t.Fatalf("no stream %s in the ServiceDesc", name)
	return rpc.StreamDesc{}
}

func TestServiceDesc(t *testing.T) {
	d := echov1.EchoService_ServiceDesc
	if d.ServiceName != "shockwave.echo.v1.EchoService" || d.Metadata != "echo/v1/echo.proto" {
		t.Fatalf("ServiceName %q Metadata %v", d.ServiceName, d.Metadata)
	}
	if _, ok := d.HandlerType.(*echov1.EchoServiceServer); !ok {
		t.Fatalf("HandlerType is %T", d.HandlerType)
	}
	if len(d.Methods) != 1 || d.Methods[0].MethodName != "Echo" {
		t.Fatalf("Methods %+v", d.Methods)
	}
	shapes := map[string][2]bool{"ServerStream": {true, false}, "ClientStream": {false, true}, "BidiStream": {true, true}}
	for name, shape := range shapes {
		s := streamHandler(t, &d, name)
		if s.ServerStreams != shape[0] || s.ClientStreams != shape[1] {
			t.Errorf("%s: ServerStreams %v ClientStreams %v", name, s.ServerStreams, s.ClientStreams)
		}
	}
	if echov1.EchoService_Echo_FullMethodName != "/shockwave.echo.v1.EchoService/Echo" ||
		echov1.EchoService_BidiStream_FullMethodName != "/shockwave.echo.v1.EchoService/BidiStream" {
		t.Fatal("full method names")
	}
}

func TestUnaryHandler(t *testing.T) {
	r := register(t, &echoImpl{})
	h := r.desc.Methods[0].Handler
	dec := func(m any) error {
		m.(*echov1.EchoRequest).Message = "hi"
		return nil
	}
	resp, err := h(r.impl, context.Background(), dec, nil)
	if err != nil || resp.(*echov1.EchoResponse).GetMessage() != "hi" {
		t.Fatalf("no interceptor: %v, %v", resp, err)
	}

	decErr := errors.New("bad bytes")
	if _, err := h(r.impl, context.Background(), func(any) error { return decErr }, nil); err != decErr {
		t.Fatalf("a decode error must be returned as is, got %v", err)
	}

	var info *rpc.UnaryServerInfo
	intercept := func(ctx context.Context, req any, i *rpc.UnaryServerInfo, next rpc.UnaryHandler) (any, error) {
		info = i
		req.(*echov1.EchoRequest).Message += "!"
		return next(ctx, req)
	}
	resp, err = h(r.impl, context.Background(), dec, intercept)
	if err != nil || resp.(*echov1.EchoResponse).GetMessage() != "hi!" {
		t.Fatalf("with interceptor: %v, %v", resp, err)
	}
	if info.FullMethod != echov1.EchoService_Echo_FullMethodName || info.Server != r.impl {
		t.Fatalf("UnaryServerInfo %+v", info)
	}
}

func TestUnaryHandlerAllocs(t *testing.T) {
	// With no interceptor the generated handler allocates only the request
	// message; the server's dec is a cached func value.
	r := register(t, &echoImpl{resp: &echov1.EchoResponse{}})
	h := r.desc.Methods[0].Handler
	dec := func(any) error { return nil }
	ctx := context.Background()
	if n := testing.AllocsPerRun(200, func() { _, _ = h(r.impl, ctx, dec, nil) }); n != 1 {
		t.Fatalf("unary handler allocates %v times per call, want 1 (the request)", n)
	}
}

func TestStreamHandlers(t *testing.T) {
	r := register(t, &echoImpl{})
	reqs := func(msgs ...string) []*echov1.EchoRequest {
		var out []*echov1.EchoRequest
		for _, m := range msgs {
			out = append(out, &echov1.EchoRequest{Message: m})
		}
		return out
	}

	ss := &fakeServerStream{in: reqs("x")}
	if err := streamHandler(t, r.desc, "ServerStream").Handler(r.impl, ss); err != nil || len(ss.out) != 3 || ss.out[2].GetMessage() != "x" {
		t.Fatalf("ServerStream: %v, out %v", err, ss.out)
	}
	if err := streamHandler(t, r.desc, "ServerStream").Handler(r.impl, &fakeServerStream{}); err != io.EOF {
		t.Fatalf("ServerStream with no request: %v, want the RecvMsg error", err)
	}

	cs := &fakeServerStream{in: reqs("a", "b", "c")}
	if err := streamHandler(t, r.desc, "ClientStream").Handler(r.impl, cs); err != nil || len(cs.out) != 1 || cs.out[0].GetMessage() != "abc" {
		t.Fatalf("ClientStream: %v, out %v", err, cs.out)
	}

	bs := &fakeServerStream{in: reqs("1", "2")}
	if err := streamHandler(t, r.desc, "BidiStream").Handler(r.impl, bs); err != nil || len(bs.out) != 2 || bs.out[1].GetMessage() != "2" {
		t.Fatalf("BidiStream: %v, out %v", err, bs.out)
	}
}

type unimplemented struct {
	echov1.UnimplementedEchoServiceServer
}

func TestUnimplemented(t *testing.T) {
	r := register(t, unimplemented{})
	_, err := r.desc.Methods[0].Handler(r.impl, context.Background(), func(any) error { return nil }, nil)
	if status.Code(err) != codes.Unimplemented || status.Convert(err).Message() != "method Echo not implemented" {
		t.Fatalf("Echo: %v", err)
	}
	for _, name := range []string{"ServerStream", "ClientStream", "BidiStream"} {
		err := streamHandler(t, r.desc, name).Handler(r.impl, &fakeServerStream{in: []*echov1.EchoRequest{{}}})
		if status.Code(err) != codes.Unimplemented || status.Convert(err).Message() != "method "+name+" not implemented" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type embeddedByPointer struct {
	*echov1.UnimplementedEchoServiceServer
}

func TestRegisterRejectsNilEmbeddedPointer(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering a nil embedded Unimplemented pointer must panic at registration")
		}
	}()
	echov1.RegisterEchoServiceServer(&registrar{}, embeddedByPointer{})
}

// fakeConn is a ClientConnInterface that records calls and answers from
// canned data.
type fakeConn struct {
	method string
	desc   *rpc.StreamDesc
	opts   []rpc.CallOption
	args   any
	err    error
	stream *fakeClientStream
}

func (c *fakeConn) Invoke(ctx context.Context, method string, args, reply any, opts ...rpc.CallOption) error {
	c.method, c.args, c.opts = method, args, opts
	if c.err != nil {
		return c.err
	}
	reply.(*echov1.EchoResponse).Message = "reply to " + args.(*echov1.EchoRequest).GetMessage()
	return nil
}

func (c *fakeConn) NewStream(ctx context.Context, desc *rpc.StreamDesc, method string, opts ...rpc.CallOption) (rpc.ClientStream, error) {
	c.method, c.desc, c.opts = method, desc, opts
	if c.err != nil {
		return nil, c.err
	}
	c.stream = &fakeClientStream{replies: []string{"r1", "r2"}}
	return c.stream, nil
}

type fakeClientStream struct {
	sent    []string
	closed  bool
	replies []string
}

func (s *fakeClientStream) Header() (metadata.MD, error) { return nil, nil }
func (s *fakeClientStream) Trailer() metadata.MD         { return nil }
func (s *fakeClientStream) CloseSend() error             { s.closed = true; return nil }
func (s *fakeClientStream) Context() context.Context     { return context.Background() }
func (s *fakeClientStream) SendMsg(m any) error {
	s.sent = append(s.sent, m.(*echov1.EchoRequest).GetMessage())
	return nil
}
func (s *fakeClientStream) RecvMsg(m any) error {
	if len(s.replies) == 0 {
		return io.EOF
	}
	m.(*echov1.EchoResponse).Message, s.replies = s.replies[0], s.replies[1:]
	return nil
}

type marker struct{ rpc.EmptyCallOption }

func TestClientUnary(t *testing.T) {
	conn := &fakeConn{}
	c := echov1.NewEchoServiceClient(conn)
	resp, err := c.Echo(context.Background(), &echov1.EchoRequest{Message: "hi"}, marker{})
	if err != nil || resp.GetMessage() != "reply to hi" {
		t.Fatalf("Echo = %v, %v", resp, err)
	}
	if conn.method != "/shockwave.echo.v1.EchoService/Echo" || len(conn.opts) != 1 {
		t.Fatalf("Invoke got method %q opts %v", conn.method, conn.opts)
	}
	if _, ok := conn.opts[0].(marker); !ok {
		t.Fatal("call options must reach Invoke unchanged")
	}
	conn.err = status.Error(codes.Unavailable, "down")
	if resp, err := c.Echo(context.Background(), &echov1.EchoRequest{}); resp != nil || status.Code(err) != codes.Unavailable {
		t.Fatalf("failing Echo = %v, %v", resp, err)
	}
}

func TestClientStreams(t *testing.T) {
	conn := &fakeConn{}
	c := echov1.NewEchoServiceClient(conn)
	ctx := context.Background()
	desc := &echov1.EchoService_ServiceDesc

	ss, err := c.ServerStream(ctx, &echov1.EchoRequest{Message: "q"})
	if err != nil {
		t.Fatal(err)
	}
	if conn.method != echov1.EchoService_ServerStream_FullMethodName || conn.desc != &desc.Streams[0] || !conn.desc.ServerStreams {
		t.Fatalf("ServerStream opened %q with desc %+v", conn.method, conn.desc)
	}
	if !conn.stream.closed || len(conn.stream.sent) != 1 || conn.stream.sent[0] != "q" {
		t.Fatalf("ServerStream must send the request and close: %+v", conn.stream)
	}
	r1, _ := ss.Recv()
	r2, _ := ss.Recv()
	if _, err := ss.Recv(); r1.GetMessage() != "r1" || r2.GetMessage() != "r2" || err != io.EOF {
		t.Fatalf("Recv: %v %v %v", r1, r2, err)
	}

	cs, err := c.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if conn.method != echov1.EchoService_ClientStream_FullMethodName || conn.desc != &desc.Streams[1] || !conn.desc.ClientStreams {
		t.Fatalf("ClientStream opened %q with desc %+v", conn.method, conn.desc)
	}
	_ = cs.Send(&echov1.EchoRequest{Message: "a"})
	_ = cs.Send(&echov1.EchoRequest{Message: "b"})
	if resp, err := cs.CloseAndRecv(); err != nil || resp.GetMessage() != "r1" || !conn.stream.closed || len(conn.stream.sent) != 2 {
		t.Fatalf("CloseAndRecv = %v, %v; stream %+v", resp, err, conn.stream)
	}

	bs, err := c.BidiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if conn.method != echov1.EchoService_BidiStream_FullMethodName || conn.desc != &desc.Streams[2] {
		t.Fatalf("BidiStream opened %q with desc %+v", conn.method, conn.desc)
	}
	_ = bs.Send(&echov1.EchoRequest{Message: "x"})
	if resp, err := bs.Recv(); err != nil || resp.GetMessage() != "r1" || conn.stream.closed {
		t.Fatalf("bidi Recv = %v, %v", resp, err)
	}

	conn.err = errors.New("no connection")
	if s, err := c.ServerStream(ctx, &echov1.EchoRequest{}); s != nil || err != conn.err {
		t.Fatalf("failing ServerStream = %v, %v", s, err)
	}
	if s, err := c.ClientStream(ctx); s != nil || err != conn.err {
		t.Fatalf("failing ClientStream = %v, %v", s, err)
	}
	if s, err := c.BidiStream(ctx); s != nil || err != conn.err {
		t.Fatalf("failing BidiStream = %v, %v", s, err)
	}
}
