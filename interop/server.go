// Package interop runs the gRPC interop test cases with Shockwave: the
// grpc.testing TestService implementation that cmd/interop-server serves,
// and the client cases that cmd/interop-client runs, following grpc/grpc's
// doc/interop-test-descriptions.md and grpc-go's interop package.
package interop

import (
	"context"
	"crypto/tls"
	"io"
	"strconv"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/interop/internal/wiretap"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// The metadata keys the server echoes (interop-test-descriptions.md: Echo
// Metadata): the first as a response header, the second as a trailer.
const (
	initialMetadataKey  = "x-grpc-test-echo-initial"
	trailingMetadataKey = "x-grpc-test-echo-trailing-bin"
)

// NewTestServer returns the TestService implementation. It checks
// expect_compressed when the calls run on tapped streams (see Handler);
// without a tap it treats every request as uncompressed.
func NewTestServer() grpc_testing.TestServiceServer {
	return testServer{}
}

// Handler returns the transport handler that serves s with every stream
// tapped, so that the test service can see each request message's
// compressed flag.
func Handler(s *rpc.Server) transport.Handler {
	return wiretap.Handler(s)
}

// NewTransportServer returns a server for s on the transport contract, as
// rpc.Server.Serve builds one, but with the streams tapped (see Handler).
// With tlsConf, TLS connections are served too, on the same port.
func NewTransportServer(s *rpc.Server, tlsConf *tls.Config) *transport.Server {
	return &transport.Server{H2: h2.NewServer(Handler(s)), TLSConfig: tlsConf}
}

type testServer struct {
	grpc_testing.UnimplementedTestServiceServer
}

func (testServer) EmptyCall(context.Context, *grpc_testing.Empty) (*grpc_testing.Empty, error) {
	return new(grpc_testing.Empty), nil
}

func (testServer) UnaryCall(ctx context.Context, req *grpc_testing.SimpleRequest) (*grpc_testing.SimpleResponse, error) {
	if err := echoMetadata(ctx, rpc.SetHeader); err != nil {
		return nil, err
	}
	if err := checkCompressed(ctx, 0, req.GetExpectCompressed()); err != nil {
		return nil, err
	}
	if st := req.GetResponseStatus(); st != nil && st.GetCode() != 0 {
		return nil, status.Error(codes.Code(st.GetCode()), st.GetMessage())
	}
	if rc := req.GetResponseCompressed(); rc != nil {
		if err := setSendCompression(ctx, rc.GetValue()); err != nil {
			return nil, err
		}
	}
	pl, err := newPayload(req.GetResponseType(), req.GetResponseSize())
	if err != nil {
		return nil, err
	}
	return &grpc_testing.SimpleResponse{Payload: pl}, nil
}

// CacheableUnaryCall answers with the current time, so that every response
// differs unless a caching proxy serves it.
func (testServer) CacheableUnaryCall(ctx context.Context, req *grpc_testing.SimpleRequest) (*grpc_testing.SimpleResponse, error) {
	if err := rpc.SetHeader(ctx, metadata.Pairs("cache-control", "max-age=60, public")); err != nil {
		return nil, err
	}
	now := strconv.FormatInt(time.Now().UnixNano(), 10)
	return &grpc_testing.SimpleResponse{Payload: &grpc_testing.Payload{Body: []byte(now)}}, nil
}

func (testServer) StreamingOutputCall(req *grpc_testing.StreamingOutputCallRequest, stream grpc_testing.TestService_StreamingOutputCallServer) error {
	ctx := stream.Context()
	if st := req.GetResponseStatus(); st != nil && st.GetCode() != 0 {
		return status.Error(codes.Code(st.GetCode()), st.GetMessage())
	}
	out := responder{ctx: ctx, send: stream.Send}
	if err := out.start(req); err != nil {
		return err
	}
	return out.respond(req)
}

func (testServer) StreamingInputCall(stream grpc_testing.TestService_StreamingInputCallServer) error {
	ctx := stream.Context()
	var sum int
	for i := 0; ; i++ {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&grpc_testing.StreamingInputCallResponse{AggregatedPayloadSize: int32(sum)})
		}
		if err != nil {
			return err
		}
		if err := checkCompressed(ctx, i, req.GetExpectCompressed()); err != nil {
			return err
		}
		sum += len(req.GetPayload().GetBody())
	}
}

func (testServer) FullDuplexCall(stream grpc_testing.TestService_FullDuplexCallServer) error {
	ctx := stream.Context()
	if err := echoMetadata(ctx, rpc.SendHeader); err != nil {
		return err
	}
	out := responder{ctx: ctx, send: stream.Send}
	for i := 0; ; i++ {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if st := req.GetResponseStatus(); st != nil && st.GetCode() != 0 {
			return status.Error(codes.Code(st.GetCode()), st.GetMessage())
		}
		if i == 0 {
			if err := out.start(req); err != nil {
				return err
			}
		}
		if err := out.respond(req); err != nil {
			return err
		}
	}
}

func (testServer) HalfDuplexCall(stream grpc_testing.TestService_HalfDuplexCallServer) error {
	ctx := stream.Context()
	if err := echoMetadata(ctx, rpc.SetHeader); err != nil {
		return err
	}
	var reqs []*grpc_testing.StreamingOutputCallRequest
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if st := req.GetResponseStatus(); st != nil && st.GetCode() != 0 {
			return status.Error(codes.Code(st.GetCode()), st.GetMessage())
		}
		reqs = append(reqs, req)
	}
	out := responder{ctx: ctx, send: stream.Send}
	for i, req := range reqs {
		if i == 0 {
			if err := out.start(req); err != nil {
				return err
			}
		}
		if err := out.respond(req); err != nil {
			return err
		}
	}
	return nil
}

// responder sends the responses a StreamingOutputCallRequest asks for.
type responder struct {
	ctx  context.Context
	send func(*grpc_testing.StreamingOutputCallResponse) error
}

// start sets the call's response compression from the first request: the
// call announces gzip when any response it asks for should be compressed,
// and respond then switches single messages between gzip and identity as
// their parameters ask (PROTOCOL-HTTP2.md: the Compressed-Flag is per
// message; rpc.SetSendCompressor switches it after the headers).
func (r *responder) start(req *grpc_testing.StreamingOutputCallRequest) error {
	for _, p := range req.GetResponseParameters() {
		if p.GetCompressed().GetValue() {
			return setSendCompression(r.ctx, true)
		}
	}
	return nil
}

// respond sends one response per ResponseParameters, each after its
// interval (interop-test-descriptions.md: Observe
// ResponseParameters.interval_us).
func (r *responder) respond(req *grpc_testing.StreamingOutputCallRequest) error {
	for _, p := range req.GetResponseParameters() {
		if us := p.GetIntervalUs(); us > 0 {
			t := time.NewTimer(time.Duration(us) * time.Microsecond)
			select {
			case <-t.C:
			case <-r.ctx.Done():
				t.Stop()
				return status.FromContextError(r.ctx.Err()).Err()
			}
		}
		pl, err := newPayload(req.GetResponseType(), p.GetSize())
		if err != nil {
			return err
		}
		if c := p.GetCompressed(); c != nil {
			if err := setSendCompression(r.ctx, c.GetValue()); err != nil {
				return err
			}
		}
		if err := r.send(&grpc_testing.StreamingOutputCallResponse{Payload: pl}); err != nil {
			return err
		}
	}
	return nil
}

// echoMetadata sends back the echo keys of the request metadata: the
// initial one with send (rpc.SetHeader or rpc.SendHeader), the trailing one
// as a trailer.
func echoMetadata(ctx context.Context, send func(context.Context, metadata.MD) error) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(initialMetadataKey); len(v) > 0 {
		if err := send(ctx, metadata.Pairs(initialMetadataKey, v[0])); err != nil {
			return err
		}
	}
	if v := md.Get(trailingMetadataKey); len(v) > 0 {
		if err := rpc.SetTrailer(ctx, metadata.Pairs(trailingMetadataKey, v[0])); err != nil {
			return err
		}
	}
	return nil
}

// checkCompressed checks the i-th request message's compressed flag
// against expect (interop-test-descriptions.md: CompressedRequest). A
// server that cannot see the flag would skip the check; this one sees it
// when its streams are tapped.
func checkCompressed(ctx context.Context, i int, expect *grpc_testing.BoolValue) error {
	if expect == nil {
		return nil
	}
	var compressed bool
	if tap := wiretap.FromContext(ctx); tap != nil {
		compressed, _ = tap.Received(i)
	}
	switch {
	case expect.GetValue() && !compressed:
		return status.Error(codes.InvalidArgument, "expected a compressed request message, got an uncompressed one")
	case !expect.GetValue() && compressed:
		return status.Error(codes.InvalidArgument, "expected an uncompressed request message, got a compressed one")
	}
	return nil
}

// setSendCompression makes the call's responses gzip-compressed or not.
func setSendCompression(ctx context.Context, on bool) error {
	name := rpc.Identity
	if on {
		name = rpc.Gzip.Name()
	}
	return rpc.SetSendCompressor(ctx, name)
}

// newPayload returns a payload of size zero bytes (interop-test-descriptions.md:
// UnaryCall answers an unsupported response_type with INVALID_ARGUMENT).
func newPayload(t grpc_testing.PayloadType, size int32) (*grpc_testing.Payload, error) {
	if size < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "requested a response with invalid length %d", size)
	}
	if t != grpc_testing.PayloadType_COMPRESSABLE {
		return nil, status.Errorf(codes.InvalidArgument, "unsupported payload type: %d", t)
	}
	return &grpc_testing.Payload{Type: t, Body: make([]byte, size)}, nil
}
