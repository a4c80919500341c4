package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/interop/internal/wiretap"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// The sizes interop-test-descriptions.md prescribes.
var (
	reqSizes      = []int{27182, 8, 1828, 45904}
	respSizes     = []int{31415, 9, 2653, 58979}
	largeReqSize  = 271828
	largeRespSize = 314159
)

// The custom_metadata case's values; the trailing one is binary.
const (
	initialMetadataValue  = "test_initial_metadata_value"
	trailingMetadataValue = "\x0a\x0b\x0a\x0b\x0a\x0b"
)

// Client runs the interop test cases against one server. Each case
// returns nil when every assertion of its description holds.
type Client struct {
	// Conn is the connection the cases call on.
	Conn *rpc.ClientConn
	// NewConn opens another connection to the same server (channel_soak);
	// it may be nil when no case needs it.
	NewConn func() (*rpc.ClientConn, error)
	// Soak configures rpc_soak and channel_soak.
	Soak SoakConfig
}

func (c *Client) tc() grpc_testing.TestServiceClient {
	return grpc_testing.NewTestServiceClient(c.Conn)
}

// Cases maps each test case name to its procedure.
func (c *Client) Cases() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"empty_unary":                 c.EmptyUnary,
		"large_unary":                 c.LargeUnary,
		"client_streaming":            c.ClientStreaming,
		"server_streaming":            c.ServerStreaming,
		"ping_pong":                   c.PingPong,
		"empty_stream":                c.EmptyStream,
		"timeout_on_sleeping_server":  c.TimeoutOnSleepingServer,
		"cancel_after_begin":          c.CancelAfterBegin,
		"cancel_after_first_response": c.CancelAfterFirstResponse,
		"status_code_and_message":     c.StatusCodeAndMessage,
		"special_status_message":      c.SpecialStatusMessage,
		"custom_metadata":             c.CustomMetadata,
		"unimplemented_method":        c.UnimplementedMethod,
		"unimplemented_service":       c.UnimplementedService,
		"rpc_soak":                    c.RPCSoak,
		"channel_soak":                c.ChannelSoak,
		"client_compressed_unary":     c.ClientCompressedUnary,
		"server_compressed_unary":     c.ServerCompressedUnary,
		"client_compressed_streaming": c.ClientCompressedStreaming,
		"server_compressed_streaming": c.ServerCompressedStreaming,
	}
}

// CoreCases are the cases every gRPC implementation's server supports, in
// the order grpc-go's interop client lists them.
var CoreCases = []string{
	"empty_unary", "large_unary", "client_streaming", "server_streaming",
	"ping_pong", "empty_stream", "timeout_on_sleeping_server",
	"cancel_after_begin", "cancel_after_first_response",
	"status_code_and_message", "special_status_message", "custom_metadata",
	"unimplemented_method", "unimplemented_service",
}

// SoakCases are the soak cases; CompressionCases need a server that
// honours response_compressed and checks expect_compressed.
var (
	SoakCases        = []string{"rpc_soak", "channel_soak"}
	CompressionCases = []string{
		"client_compressed_unary", "server_compressed_unary",
		"client_compressed_streaming", "server_compressed_streaming",
	}
)

func newPayloadOf(size int) *grpc_testing.Payload {
	return &grpc_testing.Payload{Type: grpc_testing.PayloadType_COMPRESSABLE, Body: make([]byte, size)}
}

func checkPayload(p *grpc_testing.Payload, size int) error {
	if p.GetType() != grpc_testing.PayloadType_COMPRESSABLE || len(p.GetBody()) != size {
		return fmt.Errorf("got a payload of type %v and %d bytes, want %v and %d", p.GetType(), len(p.GetBody()), grpc_testing.PayloadType_COMPRESSABLE, size)
	}
	for _, b := range p.GetBody() {
		if b != 0 {
			return errors.New("the payload body is not all zeros")
		}
	}
	return nil
}

func wantCode(err error, code codes.Code, what string) error {
	if got := status.Code(err); got != code {
		return fmt.Errorf("%s: got status %v (%v), want %v", what, got, err, code)
	}
	return nil
}

// EmptyUnary: a zero-size request and response.
func (c *Client) EmptyUnary(ctx context.Context) error {
	reply, err := c.tc().EmptyCall(ctx, &grpc_testing.Empty{})
	if err != nil {
		return fmt.Errorf("EmptyCall: %w", err)
	}
	if reply == nil {
		return errors.New("EmptyCall: nil response")
	}
	return nil
}

// LargeUnary: a 271828-byte request and a 314159-byte response.
func (c *Client) LargeUnary(ctx context.Context) error {
	return largeUnary(ctx, c.tc(), largeReqSize, largeRespSize)
}

func largeUnary(ctx context.Context, tc grpc_testing.TestServiceClient, reqSize, respSize int) error {
	reply, err := tc.UnaryCall(ctx, &grpc_testing.SimpleRequest{
		ResponseType: grpc_testing.PayloadType_COMPRESSABLE,
		ResponseSize: int32(respSize),
		Payload:      newPayloadOf(reqSize),
	})
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	return checkPayload(reply.GetPayload(), respSize)
}

// ClientStreaming: four requests, one response with their total size.
func (c *Client) ClientStreaming(ctx context.Context) error {
	stream, err := c.tc().StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	var sum int
	for _, s := range reqSizes {
		if err := stream.Send(&grpc_testing.StreamingInputCallRequest{Payload: newPayloadOf(s)}); err != nil {
			return fmt.Errorf("Send: %w", err)
		}
		sum += s
	}
	reply, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("CloseAndRecv: %w", err)
	}
	if got := reply.GetAggregatedPayloadSize(); got != int32(sum) {
		return fmt.Errorf("aggregated_payload_size = %d, want %d", got, sum)
	}
	return nil
}

// ServerStreaming: one request, four responses of the given sizes.
func (c *Client) ServerStreaming(ctx context.Context) error {
	req := &grpc_testing.StreamingOutputCallRequest{ResponseType: grpc_testing.PayloadType_COMPRESSABLE}
	for _, s := range respSizes {
		req.ResponseParameters = append(req.ResponseParameters, &grpc_testing.ResponseParameters{Size: int32(s)})
	}
	stream, err := c.tc().StreamingOutputCall(ctx, req)
	if err != nil {
		return fmt.Errorf("StreamingOutputCall: %w", err)
	}
	return recvSizes(stream, respSizes, nil)
}

// PingPong: four request-response round trips on one bidi stream.
func (c *Client) PingPong(ctx context.Context) error {
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	for i := range reqSizes {
		req := &grpc_testing.StreamingOutputCallRequest{
			ResponseType:       grpc_testing.PayloadType_COMPRESSABLE,
			ResponseParameters: []*grpc_testing.ResponseParameters{{Size: int32(respSizes[i])}},
			Payload:            newPayloadOf(reqSizes[i]),
		}
		if err := stream.Send(req); err != nil {
			return fmt.Errorf("Send %d: %w", i, err)
		}
		reply, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("Recv %d: %w", i, err)
		}
		if err := checkPayload(reply.GetPayload(), respSizes[i]); err != nil {
			return fmt.Errorf("response %d: %w", i, err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("CloseSend: %w", err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("Recv after the last response: %v, want io.EOF", err)
	}
	return nil
}

// EmptyStream: a bidi stream with no message either way.
func (c *Client) EmptyStream(ctx context.Context) error {
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("CloseSend: %w", err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("Recv: %v, want io.EOF", err)
	}
	return nil
}

// TimeoutOnSleepingServer: a 1 ms deadline on a call the server never
// answers ends with DEADLINE_EXCEEDED.
func (c *Client) TimeoutOnSleepingServer(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return wantCode(err, codes.DeadlineExceeded, "FullDuplexCall")
	}
	req := &grpc_testing.StreamingOutputCallRequest{
		ResponseType: grpc_testing.PayloadType_COMPRESSABLE,
		Payload:      newPayloadOf(27182),
	}
	if err := stream.Send(req); err != nil && err != io.EOF {
		return fmt.Errorf("Send: %w", err)
	}
	_, err = stream.Recv()
	return wantCode(err, codes.DeadlineExceeded, "Recv")
}

// CancelAfterBegin: a client-streaming call cancelled before any message
// ends with CANCELLED.
func (c *Client) CancelAfterBegin(ctx context.Context) error {
	ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, metadata.Pairs("key1", "value1", "key2", "value2")))
	defer cancel()
	stream, err := c.tc().StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	cancel()
	_, err = stream.CloseAndRecv()
	return wantCode(err, codes.Canceled, "CloseAndRecv")
}

// CancelAfterFirstResponse: a bidi call cancelled after its first
// response ends with CANCELLED.
func (c *Client) CancelAfterFirstResponse(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	req := &grpc_testing.StreamingOutputCallRequest{
		ResponseType:       grpc_testing.PayloadType_COMPRESSABLE,
		ResponseParameters: []*grpc_testing.ResponseParameters{{Size: 31415}},
		Payload:            newPayloadOf(27182),
	}
	if err := stream.Send(req); err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	if _, err := stream.Recv(); err != nil {
		return fmt.Errorf("Recv: %w", err)
	}
	cancel()
	_, err = stream.Recv()
	return wantCode(err, codes.Canceled, "Recv after cancel")
}

// StatusCodeAndMessage: the server ends a unary and a bidi call with the
// status the request asks for.
func (c *Client) StatusCodeAndMessage(ctx context.Context) error {
	const code, msg = 2, "test status message"
	echo := &grpc_testing.EchoStatus{Code: code, Message: msg}
	_, err := c.tc().UnaryCall(ctx, &grpc_testing.SimpleRequest{ResponseStatus: echo})
	if err := wantStatus(err, code, msg, "UnaryCall"); err != nil {
		return err
	}
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	if err := stream.Send(&grpc_testing.StreamingOutputCallRequest{ResponseStatus: echo}); err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("CloseSend: %w", err)
	}
	_, err = stream.Recv()
	return wantStatus(err, code, msg, "FullDuplexCall Recv")
}

func wantStatus(err error, code codes.Code, msg, what string) error {
	st, _ := status.FromError(err)
	if err == nil || st.Code() != code || st.Message() != msg {
		return fmt.Errorf("%s: got %v, want status %v with message %q", what, err, code, msg)
	}
	return nil
}

// SpecialStatusMessage: whitespace and non-ASCII characters survive the
// status message's percent-encoding.
func (c *Client) SpecialStatusMessage(ctx context.Context) error {
	const code, msg = 2, "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := c.tc().UnaryCall(ctx, &grpc_testing.SimpleRequest{ResponseStatus: &grpc_testing.EchoStatus{Code: code, Message: msg}})
	return wantStatus(err, code, msg, "UnaryCall")
}

// CustomMetadata: the server echoes an ASCII key as a header and a binary
// key as a trailer, on a unary and a bidi call.
func (c *Client) CustomMetadata(ctx context.Context) error {
	ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs(
		initialMetadataKey, initialMetadataValue,
		trailingMetadataKey, trailingMetadataValue,
	))
	var header, trailer metadata.MD
	reply, err := c.tc().UnaryCall(ctx, &grpc_testing.SimpleRequest{
		ResponseType: grpc_testing.PayloadType_COMPRESSABLE,
		ResponseSize: 1,
		Payload:      newPayloadOf(1),
	}, rpc.Header(&header), rpc.Trailer(&trailer))
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	if err := checkPayload(reply.GetPayload(), 1); err != nil {
		return err
	}
	if err := checkEchoedMetadata(header, trailer, "UnaryCall"); err != nil {
		return err
	}
	stream, err := c.tc().FullDuplexCall(ctx)
	if err != nil {
		return fmt.Errorf("FullDuplexCall: %w", err)
	}
	req := &grpc_testing.StreamingOutputCallRequest{
		ResponseType:       grpc_testing.PayloadType_COMPRESSABLE,
		ResponseParameters: []*grpc_testing.ResponseParameters{{Size: 1}},
		Payload:            newPayloadOf(1),
	}
	if err := stream.Send(req); err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	header, err = stream.Header()
	if err != nil {
		return fmt.Errorf("Header: %w", err)
	}
	if _, err := stream.Recv(); err != nil {
		return fmt.Errorf("Recv: %w", err)
	}
	if err := stream.CloseSend(); err != nil {
		return fmt.Errorf("CloseSend: %w", err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		return fmt.Errorf("Recv after the response: %v, want io.EOF", err)
	}
	return checkEchoedMetadata(header, stream.Trailer(), "FullDuplexCall")
}

func checkEchoedMetadata(header, trailer metadata.MD, what string) error {
	if v := header.Get(initialMetadataKey); len(v) != 1 || v[0] != initialMetadataValue {
		return fmt.Errorf("%s: header %s = %q, want [%q]", what, initialMetadataKey, v, initialMetadataValue)
	}
	if v := trailer.Get(trailingMetadataKey); len(v) != 1 || v[0] != trailingMetadataValue {
		return fmt.Errorf("%s: trailer %s = %q, want [%q]", what, trailingMetadataKey, v, trailingMetadataValue)
	}
	return nil
}

// UnimplementedMethod: a method the service does not implement answers
// UNIMPLEMENTED.
func (c *Client) UnimplementedMethod(ctx context.Context) error {
	err := c.Conn.Invoke(ctx, "/grpc.testing.TestService/UnimplementedCall", &grpc_testing.Empty{}, &grpc_testing.Empty{})
	return wantCode(err, codes.Unimplemented, "UnimplementedCall")
}

// UnimplementedService: a service the server does not have answers
// UNIMPLEMENTED.
func (c *Client) UnimplementedService(ctx context.Context) error {
	_, err := grpc_testing.NewUnimplementedServiceClient(c.Conn).UnimplementedCall(ctx, &grpc_testing.Empty{})
	return wantCode(err, codes.Unimplemented, "UnimplementedService.UnimplementedCall")
}

// ClientCompressedUnary: a probe sent uncompressed with expect_compressed
// fails with INVALID_ARGUMENT; then a compressed and an uncompressed
// request succeed.
func (c *Client) ClientCompressedUnary(ctx context.Context) error {
	req := func(expect bool) *grpc_testing.SimpleRequest {
		return &grpc_testing.SimpleRequest{
			ExpectCompressed: &grpc_testing.BoolValue{Value: expect},
			ResponseType:     grpc_testing.PayloadType_COMPRESSABLE,
			ResponseSize:     int32(largeRespSize),
			Payload:          newPayloadOf(largeReqSize),
		}
	}
	_, err := c.tc().UnaryCall(ctx, req(true))
	if err := wantCode(err, codes.InvalidArgument, "probe: uncompressed UnaryCall with expect_compressed"); err != nil {
		return err
	}
	for _, compressed := range []bool{true, false} {
		var opts []rpc.CallOption
		if compressed {
			opts = append(opts, rpc.UseCompressor(rpc.Gzip.Name()))
		}
		reply, err := c.tc().UnaryCall(ctx, req(compressed), opts...)
		if err != nil {
			return fmt.Errorf("UnaryCall (compressed %v): %w", compressed, err)
		}
		if err := checkPayload(reply.GetPayload(), largeRespSize); err != nil {
			return fmt.Errorf("UnaryCall (compressed %v): %w", compressed, err)
		}
	}
	return nil
}

// ServerCompressedUnary: the response's compressed flag follows
// response_compressed.
func (c *Client) ServerCompressedUnary(ctx context.Context) error {
	for _, compressed := range []bool{true, false} {
		tap := new(wiretap.Tap)
		reply, err := c.tc().UnaryCall(wiretap.NewContext(ctx, tap), &grpc_testing.SimpleRequest{
			ResponseCompressed: &grpc_testing.BoolValue{Value: compressed},
			ResponseType:       grpc_testing.PayloadType_COMPRESSABLE,
			ResponseSize:       int32(largeRespSize),
			Payload:            newPayloadOf(largeReqSize),
		})
		if err != nil {
			return fmt.Errorf("UnaryCall (response_compressed %v): %w", compressed, err)
		}
		if err := checkPayload(reply.GetPayload(), largeRespSize); err != nil {
			return err
		}
		if err := checkFlag(tap, 0, compressed); err != nil {
			return fmt.Errorf("UnaryCall (response_compressed %v): %w", compressed, err)
		}
	}
	return nil
}

// checkFlag checks the compressed flag of the i-th message received on a
// tapped call.
func checkFlag(tap *wiretap.Tap, i int, want bool) error {
	got, ok := tap.Received(i)
	if !ok {
		return fmt.Errorf("response %d was not seen on the wire: the connection is not tapped", i)
	}
	if got != want {
		return fmt.Errorf("response %d has the compressed flag %v, want %v", i, got, want)
	}
	return nil
}

// ClientCompressedStreaming: a probe stream whose uncompressed message
// expects compression fails with INVALID_ARGUMENT; then a stream with one
// compressed and one uncompressed message succeeds.
func (c *Client) ClientCompressedStreaming(ctx context.Context) error {
	probe, err := c.tc().StreamingInputCall(ctx)
	if err != nil {
		return fmt.Errorf("StreamingInputCall (probe): %w", err)
	}
	if err := probe.Send(&grpc_testing.StreamingInputCallRequest{
		ExpectCompressed: &grpc_testing.BoolValue{Value: true},
		Payload:          newPayloadOf(27182),
	}); err != nil && err != io.EOF {
		return fmt.Errorf("Send (probe): %w", err)
	}
	_, err = probe.CloseAndRecv()
	if err := wantCode(err, codes.InvalidArgument, "probe: uncompressed message with expect_compressed"); err != nil {
		return err
	}

	tap := new(wiretap.Tap)
	tap.SendUncompressed(1)
	stream, err := c.tc().StreamingInputCall(wiretap.NewContext(ctx, tap), rpc.UseCompressor(rpc.Gzip.Name()))
	if err != nil {
		return fmt.Errorf("StreamingInputCall: %w", err)
	}
	if err := stream.Send(&grpc_testing.StreamingInputCallRequest{
		ExpectCompressed: &grpc_testing.BoolValue{Value: true},
		Payload:          newPayloadOf(27182),
	}); err != nil {
		return fmt.Errorf("Send (compressed): %w", err)
	}
	if err := stream.Send(&grpc_testing.StreamingInputCallRequest{
		ExpectCompressed: &grpc_testing.BoolValue{Value: false},
		Payload:          newPayloadOf(45904),
	}); err != nil {
		return fmt.Errorf("Send (uncompressed): %w", err)
	}
	reply, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("CloseAndRecv: %w", err)
	}
	if got := reply.GetAggregatedPayloadSize(); got != 73086 {
		return fmt.Errorf("aggregated_payload_size = %d, want 73086", got)
	}
	return nil
}

// ServerCompressedStreaming: the server compresses the first response and
// not the second, as their parameters ask.
func (c *Client) ServerCompressedStreaming(ctx context.Context) error {
	tap := new(wiretap.Tap)
	sizes := []int{31415, 92653}
	stream, err := c.tc().StreamingOutputCall(wiretap.NewContext(ctx, tap), &grpc_testing.StreamingOutputCallRequest{
		ResponseType: grpc_testing.PayloadType_COMPRESSABLE,
		ResponseParameters: []*grpc_testing.ResponseParameters{
			{Compressed: &grpc_testing.BoolValue{Value: true}, Size: int32(sizes[0])},
			{Compressed: &grpc_testing.BoolValue{Value: false}, Size: int32(sizes[1])},
		},
	})
	if err != nil {
		return fmt.Errorf("StreamingOutputCall: %w", err)
	}
	return recvSizes(stream, sizes, func(n int) error { return checkFlag(tap, n, n == 0) })
}

// recvSizes reads a server stream to its end, checking that it carries
// exactly len(sizes) responses whose payloads have those sizes; check, if
// not nil, also vets response n.
func recvSizes(stream rpc.ServerStreamingClient[grpc_testing.StreamingOutputCallResponse], sizes []int, check func(n int) error) error {
	n := 0
	for {
		reply, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("Recv after %d responses: %w", n, err)
		}
		if n >= len(sizes) {
			return fmt.Errorf("more than %d responses", len(sizes))
		}
		if err := checkPayload(reply.GetPayload(), sizes[n]); err != nil {
			return fmt.Errorf("response %d: %w", n, err)
		}
		if check != nil {
			if err := check(n); err != nil {
				return err
			}
		}
		n++
	}
	if n != len(sizes) {
		return fmt.Errorf("got %d responses, want %d", n, len(sizes))
	}
	return nil
}
