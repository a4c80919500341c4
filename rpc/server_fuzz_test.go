package rpc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// fuzzEcho is the simplest EchoService: each call shape sends back what
// it was sent and nothing else, so every response a fuzzed request gets is
// the server's doing. It keeps the metadata each call received.
type fuzzEcho struct {
	echov1.UnimplementedEchoServiceServer
	md metadata.MD
}

func (e *fuzzEcho) note(ctx context.Context) { e.md, _ = metadata.FromIncomingContext(ctx) }

func (e *fuzzEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	e.note(ctx)
	return &echov1.EchoResponse{Message: req.Message, Payload: req.Payload}, nil
}

func (e *fuzzEcho) ServerStream(req *echov1.EchoRequest, st rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	e.note(st.Context())
	for range 2 {
		if err := st.Send(&echov1.EchoResponse{Message: req.Message, Payload: req.Payload}); err != nil {
			return err
		}
	}
	return nil
}

func (e *fuzzEcho) ClientStream(st rpc.ClientStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	e.note(st.Context())
	var resp echov1.EchoResponse
	for {
		req, err := st.Recv()
		if err == io.EOF {
			return st.SendAndClose(&resp)
		}
		if err != nil {
			return err
		}
		resp.Message += req.Message
		resp.Payload = append(resp.Payload, req.Payload...)
	}
}

func (e *fuzzEcho) BidiStream(st rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	e.note(st.Context())
	for {
		req, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Send(&echov1.EchoResponse{Message: req.Message, Payload: req.Payload}); err != nil {
			return err
		}
	}
}

// serverRequest is a request as the fuzzer varies it. A header is sent
// when its bit in omit is clear, so that absent and empty differ.
type serverRequest struct {
	path, ct, enc, timeout string
	body                   []byte
	flags                  uint8
	// mdName and mdValue are a metadata field, sent when mdName is
	// not empty.
	mdName, mdValue string
}

const (
	omitContentType = 1 << iota
	omitEncoding
	omitTimeout
	methodGET
)

// capturedRequests records what a real client writes for each call shape,
// through the in-memory transport, as seeds for FuzzServer.
func capturedRequests(tb testing.TB) []serverRequest {
	var mu sync.Mutex
	var reqs []serverRequest
	h := transport.HandlerFunc(func(st transport.ServerStream) {
		body, _ := io.ReadAll(st)
		h := &st.Request().Header
		r := serverRequest{path: string(st.Request().Path()), body: body}
		get := func(name string, bit uint8) string {
			v, ok := h.Get(name)
			if !ok {
				r.flags |= bit
			}
			return string(v)
		}
		r.ct = get("content-type", omitContentType)
		r.enc = get("grpc-encoding", omitEncoding)
		r.timeout = get("grpc-timeout", omitTimeout)
		mu.Lock()
		reqs = append(reqs, r)
		mu.Unlock()
		st.Response().Header.AddString("content-type", "application/grpc")
		st.Response().Header.AddString("grpc-status", "0")
		st.Finish(nil)
	})
	conn := transporttest.NewConn(h)
	defer conn.Close()
	cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
		return conn, nil
	}))
	if err != nil {
		tb.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	req := &echov1.EchoRequest{Message: "hello", Payload: []byte{0, 1, 2, 0xff}}
	ctx := context.Background()
	tctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	// The responses carry no message, so the calls fail on the client;
	// only what they sent matters.
	client.Echo(ctx, req)
	client.Echo(tctx, &echov1.EchoRequest{})
	client.Echo(ctx, req, rpc.UseCompressor("gzip"))
	client.Echo(ctx, req, rpc.CallContentSubtype("json"))
	if s, err := client.ServerStream(ctx, req); err == nil {
		s.Recv()
	}
	if s, err := client.ClientStream(ctx); err == nil {
		s.Send(req)
		s.Send(req)
		s.CloseAndRecv()
	}
	if s, err := client.BidiStream(tctx, rpc.UseCompressor("gzip")); err == nil {
		s.Send(req)
		s.CloseSend()
		s.Recv()
	}
	if len(reqs) < 7 {
		tb.Fatalf("captured %d requests, want 7", len(reqs))
	}
	return reqs
}

// FuzzServer serves arbitrary requests (path, content-type, grpc-encoding,
// grpc-timeout, body) with the EchoService and checks that each gets a
// well-formed answer: a valid grpc-status in the trailers or a
// Trailers-Only head, or an HTTP error status, or, past a grpc-timeout, a
// reset with CANCEL; and that a valid call still succeeds after it.
func FuzzServer(f *testing.F) {
	for _, r := range capturedRequests(f) {
		f.Add(r.path, r.ct, r.enc, r.timeout, r.body, r.flags, "x-id-bin", metadata.EncodeBinHeader(r.body))
	}
	echo := echov1.EchoService_Echo_FullMethodName
	valid := envelope(&echov1.EchoRequest{Message: "x"})
	for _, r := range []serverRequest{
		{path: echo, ct: "application/json", body: valid, flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", body: valid, flags: methodGET | omitEncoding | omitTimeout},
		{path: "/nope", ct: "application/grpc", flags: omitEncoding | omitTimeout},
		{path: "no/slash", ct: "application/grpc+proto", flags: omitEncoding | omitTimeout},
		{path: "/shockwave.echo.v1.EchoService/Nope", ct: "application/grpc", flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", enc: "br", body: valid, flags: omitTimeout},
		{path: echo, ct: "application/grpc", enc: "gzip", body: valid, flags: omitTimeout},
		{path: echo, ct: "application/grpc", timeout: "1n", body: valid, flags: omitEncoding},
		{path: echo, ct: "application/grpc", timeout: "bad", body: valid, flags: omitEncoding},
		{path: echo, ct: "application/grpc", body: append(valid, valid...), flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", body: valid[:3], flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", body: []byte{0, 0, 1, 0, 0}, flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", body: []byte{0, 0, 0, 0, 2, 0xff, 0xff}, flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc+json", body: envelopeRaw(0, []byte(`{"message":1}`)), flags: omitEncoding | omitTimeout},
		{path: echo, ct: "application/grpc", body: valid, flags: omitEncoding | omitTimeout, mdName: "authorization", mdValue: "Bearer x"},
		{path: echo, ct: "application/grpc", body: valid, flags: omitEncoding | omitTimeout, mdName: "x-bin", mdValue: "AAE="},
		{path: echo, ct: "application/grpc", body: valid, flags: omitEncoding | omitTimeout, mdName: "x-bin", mdValue: "!!"},
		{path: echo, ct: "application/grpc", body: valid, flags: omitEncoding | omitTimeout, mdName: "content-type", mdValue: "two"},
		{path: echo, ct: "application/grpc", body: valid, flags: omitEncoding | omitTimeout, mdName: "grpc-status", mdValue: "0"},
	} {
		f.Add(r.path, r.ct, r.enc, r.timeout, r.body, r.flags, r.mdName, r.mdValue)
	}

	srv := rpc.NewServer(rpc.MaxRecvMsgSize(4 << 10))
	impl := &fuzzEcho{}
	echov1.RegisterEchoServiceServer(srv, impl)
	rec := &transporttest.Recorder{}
	probe := &transporttest.Recorder{}
	f.Fuzz(func(t *testing.T, path, ct, enc, timeout string, body []byte, flags uint8, mdName, mdValue string) {
		rec.Clear()
		req := &rec.Req
		req.Proto = transport.HTTP2
		if flags&methodGET != 0 {
			req.SetMethodString("GET")
		} else {
			req.SetMethodString("POST")
		}
		req.SetSchemeString("http")
		req.SetAuthorityString("fuzz")
		req.SetPathString(path)
		if flags&omitContentType == 0 {
			req.Header.AddString("content-type", ct)
		}
		req.Header.AddString("te", "trailers")
		if flags&omitEncoding == 0 {
			req.Header.AddString("grpc-encoding", enc)
		}
		if flags&omitTimeout == 0 {
			req.Header.AddString("grpc-timeout", timeout)
		}
		if mdName != "" {
			// HTTP/2 field names are lowercase (RFC 9113 §8.2.1); the
			// transport refuses others before the server sees them.
			req.Header.AddString(strings.ToLower(mdName), mdValue)
		}
		rec.Body = append(rec.Body, body...)
		impl.md = nil
		srv.ServeStream(rec)
		checkResponse(t, rec, flags&omitTimeout == 0)
		md := impl.md
		if md != nil {
			want := refIncomingMD(req)
			if !reflect.DeepEqual(md, want) {
				t.Fatalf("handler received metadata %q, want %q", md, want)
			}
			// The metadata is the handler's own: it must not share
			// memory with the request the transport reuses.
			rec.Clear()
			rec.Req.Header.AddString(strings.Repeat("z", len(mdName)), strings.Repeat("z", len(mdValue)+len(ct)))
			if !reflect.DeepEqual(md, want) {
				t.Fatalf("handler's metadata changed to %q when the request was reused, was %q", md, want)
			}
		}

		// The server keeps serving: a valid call after any other succeeds.
		probe.Clear()
		probe.Req.Proto = transport.HTTP2
		probe.Req.SetMethodString("POST")
		probe.Req.SetSchemeString("http")
		probe.Req.SetAuthorityString("fuzz")
		probe.Req.SetPathString(echo)
		probe.Req.Header.AddString("content-type", "application/grpc")
		probe.Req.Header.AddString("te", "trailers")
		probe.Body = append(probe.Body, valid...)
		srv.ServeStream(probe)
		if st, _ := probe.Trailers.Get("grpc-status"); probe.TrailersOnly || string(st) != "0" {
			t.Fatalf("valid call after the fuzzed one: trailers-only %v, grpc-status %q", probe.TrailersOnly, st)
		}
		if !bytes.Equal(probe.Out, envelope(&echov1.EchoResponse{Message: "x"})) {
			t.Fatalf("valid call after the fuzzed one: body %x", probe.Out)
		}
	})
}

// checkResponse checks the response rec recorded is one a gRPC client can
// read.
func checkResponse(t *testing.T, rec *transporttest.Recorder, hadTimeout bool) {
	t.Helper()
	if rec.WasReset {
		// PROTOCOL-HTTP2.md: the server may reset a stream past its
		// deadline; the client reports DEADLINE_EXCEEDED.
		if !hadTimeout || rec.ResetCode != transport.Cancel {
			t.Fatalf("stream reset with %v (grpc-timeout sent: %v)", rec.ResetCode, hadTimeout)
		}
		return
	}
	if !rec.Finished {
		t.Fatal("handler returned without finishing the response")
	}
	for _, h := range []*transport.Header{&rec.Resp.Header, &rec.Trailers} {
		for i := 0; i < h.Len(); i++ {
			name, value := h.At(i)
			for _, c := range value {
				if (c < ' ' && c != '\t') || c == 0x7f {
					t.Fatalf("field %s: value %q is not a valid field value", name, value)
				}
			}
		}
	}
	ct, _ := rec.Resp.Header.Get("content-type")
	if !bytes.HasPrefix(ct, []byte("application/grpc")) {
		t.Fatalf("response content-type %q", ct)
	}
	unmarshal := proto.Unmarshal
	if bytes.HasSuffix(ct, []byte("+json")) {
		unmarshal = protojson.Unmarshal
	}
	httpErr := rec.Resp.Status != 0 && rec.Resp.Status != 200
	if httpErr && (rec.Resp.Status < 400 || rec.Resp.Status > 599) {
		t.Fatalf("HTTP status %d", rec.Resp.Status)
	}
	st := &rec.Trailers
	if rec.TrailersOnly {
		st = &rec.Resp.Header
	}
	code, ok := st.Get("grpc-status")
	if !ok {
		if httpErr {
			return
		}
		t.Fatalf("no grpc-status (trailers-only %v)", rec.TrailersOnly)
	}
	if !validStatusCode(code) {
		t.Fatalf("grpc-status %q is not a code 0-16", code)
	}
	if rec.TrailersOnly {
		if len(rec.Out) > 0 {
			t.Fatalf("trailers-only response with a body of %d bytes", len(rec.Out))
		}
		return
	}
	_, compressed := rec.Resp.Header.Get("grpc-encoding")
	for b := rec.Out; len(b) > 0; {
		if len(b) < 5 {
			t.Fatalf("response body ends in a partial envelope: %x", b)
		}
		flag, n := b[0], binary.BigEndian.Uint32(b[1:5])
		if flag > 1 || (flag == 1 && !compressed) || uint64(len(b)-5) < uint64(n) {
			t.Fatalf("malformed response envelope %x (grpc-encoding sent: %v)", b[:5], compressed)
		}
		payload := b[5 : 5+n]
		if flag == 1 {
			zr, err := gzip.NewReader(bytes.NewReader(payload))
			if err == nil {
				payload, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Fatalf("response message does not decompress: %v", err)
			}
		}
		if err := unmarshal(payload, new(echov1.EchoResponse)); err != nil {
			t.Fatalf("response message: %v", err)
		}
		b = b[5+n:]
	}
}

func validStatusCode(v []byte) bool {
	switch len(v) {
	case 1:
		return '0' <= v[0] && v[0] <= '9'
	case 2:
		return v[0] == '1' && '0' <= v[1] && v[1] <= '6'
	}
	return false
}

func envelope(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return envelopeRaw(0, b)
}

func envelopeRaw(flag byte, payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{flag}, uint32(len(payload))), payload...)
}

// refIncomingMD is the metadata a handler should see for req, written
// from the rules rather than from the server's code: every field but the
// protocol's own (user-agent and content-type stay, as in grpc-go), "-bin"
// values decoded and dropped when they do not decode, :authority added.
func refIncomingMD(req *transport.Request) metadata.MD {
	md := metadata.MD{}
	if a := req.Authority(); len(a) > 0 {
		md[":authority"] = []string{string(a)}
	}
	for i := 0; i < req.Header.Len(); i++ {
		n, v := req.Header.At(i)
		name, value := string(n), string(v)
		switch name {
		case "grpc-message-type", "grpc-encoding", "grpc-message", "grpc-status",
			"grpc-timeout", "grpc-status-details-bin", "te":
			continue
		}
		if strings.HasPrefix(name, ":") {
			continue
		}
		if strings.HasSuffix(name, "-bin") {
			enc := base64.RawStdEncoding
			if len(value)%4 == 0 {
				enc = base64.StdEncoding
			}
			b, err := enc.DecodeString(value)
			if err != nil {
				continue
			}
			value = string(b)
		}
		md[name] = append(md[name], value)
	}
	return md
}
