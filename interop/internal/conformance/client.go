package conformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	conformancev1 "github.com/shockwave-rpc/shockwave/interop/internal/conformancev1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
)

// Invoke runs the call req describes on a connection of its own and
// returns what happened. An error is a failure of the adapter or of the
// request itself, not of the call: a call's error status is part of the
// result.
func Invoke(ctx context.Context, req *conformancev1.ClientCompatRequest) (*conformancev1.ClientResponseResult, error) {
	if req.GetProtocol() != conformancev1.Protocol_PROTOCOL_GRPC {
		return nil, fmt.Errorf("protocol %v is not supported (gRPC only)", req.GetProtocol())
	}
	if req.GetHttpVersion() != conformancev1.HTTPVersion_HTTP_VERSION_2 {
		return nil, fmt.Errorf("HTTP version %v is not supported with gRPC (HTTP/2 only)", req.GetHttpVersion())
	}
	if req.GetService() != "connectrpc.conformance.v1.ConformanceService" {
		return nil, fmt.Errorf("service %q is not ConformanceService", req.GetService())
	}
	cc, err := dial(req)
	if err != nil {
		return nil, err
	}
	defer cc.Close()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = cc.Connect(cctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("connecting to %s:%d: %w", req.GetHost(), req.GetPort(), err)
	}
	if req.TimeoutMs != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.GetTimeoutMs())*time.Millisecond)
		defer cancel()
	}
	inv := invoker{client: conformancev1.NewConformanceServiceClient(cc)}
	switch req.GetMethod() {
	case "Unary":
		if len(req.GetRequestMessages()) != 1 {
			return nil, errors.New("unary calls must specify exactly one request message")
		}
		return inv.unary(ctx, req)
	case "IdempotentUnary":
		return nil, fmt.Errorf("method %s is for Connect, not gRPC", req.GetMethod())
	case "ServerStream":
		if len(req.GetRequestMessages()) != 1 {
			return nil, errors.New("server streaming calls must specify exactly one request message")
		}
		return inv.serverStream(ctx, req)
	case "ClientStream":
		return inv.clientStream(ctx, req)
	case "BidiStream":
		return inv.bidiStream(ctx, req)
	case "Unimplemented":
		return inv.unimplemented(ctx, req)
	}
	return nil, fmt.Errorf("method %q does not exist on ConformanceService", req.GetMethod())
}

// dial returns a connection configured as req asks: TLS trusting the
// server's certificate, with a client certificate when given; the codec,
// compression and receive limit as default call options.
func dial(req *conformancev1.ClientCompatRequest) (*rpc.ClientConn, error) {
	opts := []rpc.DialOption{rpc.WithDialTimeout(5 * time.Second)}
	var callOpts []rpc.CallOption
	switch req.GetCodec() {
	case conformancev1.Codec_CODEC_PROTO, conformancev1.Codec_CODEC_UNSPECIFIED:
	case conformancev1.Codec_CODEC_JSON:
		callOpts = append(callOpts, rpc.CallContentSubtype(rpc.CodecNameJSON))
	default:
		return nil, fmt.Errorf("codec %v is not supported", req.GetCodec())
	}
	switch req.GetCompression() {
	case conformancev1.Compression_COMPRESSION_IDENTITY, conformancev1.Compression_COMPRESSION_UNSPECIFIED:
	case conformancev1.Compression_COMPRESSION_GZIP:
		callOpts = append(callOpts, rpc.UseCompressor(rpc.Gzip.Name()))
	default:
		return nil, fmt.Errorf("compression %v is not supported", req.GetCompression())
	}
	if n := req.GetMessageReceiveLimit(); n > 0 {
		callOpts = append(callOpts, rpc.MaxCallRecvMsgSize(int(n)))
	}
	if len(callOpts) > 0 {
		opts = append(opts, rpc.WithDefaultCallOptions(callOpts...))
	}
	if cert := req.GetServerTlsCert(); len(cert) > 0 {
		conf := &tls.Config{RootCAs: x509.NewCertPool(), ServerName: req.GetHost(), MinVersion: tls.VersionTLS12}
		if !conf.RootCAs.AppendCertsFromPEM(cert) {
			return nil, errors.New("no certificate in server_tls_cert")
		}
		if creds := req.GetClientTlsCreds(); creds != nil {
			pair, err := tls.X509KeyPair(creds.GetCert(), creds.GetKey())
			if err != nil {
				return nil, fmt.Errorf("client_tls_creds: %w", err)
			}
			conf.Certificates = []tls.Certificate{pair}
		}
		opts = append(opts, rpc.WithTLSConfig(conf))
	}
	return rpc.Dial(net.JoinHostPort(req.GetHost(), strconv.Itoa(int(req.GetPort()))), opts...)
}

type invoker struct {
	client conformancev1.ConformanceServiceClient
}

// cancelTiming is when the client cancels a call; -1 means never.
type cancelTiming struct {
	beforeCloseSend   bool
	afterCloseSendMs  int
	afterNumResponses int
}

func timingOf(c *conformancev1.ClientCompatRequest_Cancel) cancelTiming {
	t := cancelTiming{afterCloseSendMs: -1, afterNumResponses: -1}
	if c == nil {
		return t
	}
	switch v := c.GetCancelTiming().(type) {
	case *conformancev1.ClientCompatRequest_Cancel_BeforeCloseSend:
		t.beforeCloseSend = true
	case *conformancev1.ClientCompatRequest_Cancel_AfterCloseSendMs:
		t.afterCloseSendMs = int(v.AfterCloseSendMs)
	case *conformancev1.ClientCompatRequest_Cancel_AfterNumResponses:
		t.afterNumResponses = int(v.AfterNumResponses)
	default:
		// A Cancel with no timing means right after the send side closes.
		t.afterCloseSendMs = 0
	}
	return t
}

// withHeaders adds the request headers to ctx's outgoing metadata as they
// are given, as the suite's grpc-go client does.
func withHeaders(ctx context.Context, hs []*conformancev1.Header) context.Context {
	var kv []string
	for _, h := range hs {
		for _, v := range h.GetValue() {
			kv = append(kv, h.GetName(), v)
		}
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

func (inv invoker) unary(ctx context.Context, req *conformancev1.ClientCompatRequest) (*conformancev1.ClientResponseResult, error) {
	r := new(conformancev1.UnaryRequest)
	if err := req.GetRequestMessages()[0].UnmarshalTo(r); err != nil {
		return nil, err
	}
	return doUnary(ctx, req, func(ctx context.Context, opts ...rpc.CallOption) (*conformancev1.ConformancePayload, error) {
		resp, err := inv.client.Unary(ctx, r, opts...)
		return resp.GetPayload(), err
	})
}

func (inv invoker) unimplemented(ctx context.Context, req *conformancev1.ClientCompatRequest) (*conformancev1.ClientResponseResult, error) {
	if len(req.GetRequestMessages()) != 1 {
		return nil, errors.New("unary calls must specify exactly one request message")
	}
	r := new(conformancev1.UnimplementedRequest)
	if err := req.GetRequestMessages()[0].UnmarshalTo(r); err != nil {
		return nil, err
	}
	return doUnary(ctx, req, func(ctx context.Context, opts ...rpc.CallOption) (*conformancev1.ConformancePayload, error) {
		_, err := inv.client.Unimplemented(ctx, r, opts...)
		return nil, err
	})
}

func doUnary(ctx context.Context, req *conformancev1.ClientCompatRequest, call func(context.Context, ...rpc.CallOption) (*conformancev1.ConformancePayload, error)) (*conformancev1.ClientResponseResult, error) {
	timing := timingOf(req.GetCancel())
	ctx = withHeaders(ctx, req.GetRequestHeaders())
	if timing.afterCloseSendMs >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		t := time.AfterFunc(time.Duration(timing.afterCloseSendMs)*time.Millisecond, cancel)
		defer t.Stop()
	}
	var header, trailer metadata.MD
	payload, err := call(ctx, rpc.Header(&header), rpc.Trailer(&trailer))
	result := &conformancev1.ClientResponseResult{
		ResponseHeaders:  FromMetadata(header),
		ResponseTrailers: FromMetadata(trailer),
	}
	if err != nil {
		result.Error = FromStatusError(err)
	} else {
		result.Payloads = []*conformancev1.ConformancePayload{payload}
	}
	return result, nil
}

func (inv invoker) serverStream(ctx context.Context, req *conformancev1.ClientCompatRequest) (result *conformancev1.ClientResponseResult, _ error) {
	timing := timingOf(req.GetCancel())
	r := new(conformancev1.ServerStreamRequest)
	if err := req.GetRequestMessages()[0].UnmarshalTo(r); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(withHeaders(ctx, req.GetRequestHeaders()))
	defer cancel()
	stream, err := inv.client.ServerStream(ctx, r)
	if err != nil {
		return nil, err
	}
	if timing.afterCloseSendMs >= 0 {
		time.Sleep(time.Duration(timing.afterCloseSendMs) * time.Millisecond)
		cancel()
	}
	result = new(conformancev1.ClientResponseResult)
	header, err := stream.Header()
	if err != nil {
		// The call failed before its head: its status is the result.
		result.Error = FromStatusError(err)
		result.ResponseTrailers = FromMetadata(stream.Trailer())
		return result, nil
	}
	received := 0
	for {
		msg, err := stream.Recv()
		if err != nil {
			if err != io.EOF {
				result.Error = FromStatusError(err)
			}
			break
		}
		result.Payloads = append(result.Payloads, msg.GetPayload())
		if received++; received == timing.afterNumResponses {
			cancel()
		}
	}
	result.ResponseHeaders = FromMetadata(header)
	result.ResponseTrailers = FromMetadata(stream.Trailer())
	return result, nil
}

func (inv invoker) clientStream(ctx context.Context, req *conformancev1.ClientCompatRequest) (*conformancev1.ClientResponseResult, error) {
	timing := timingOf(req.GetCancel())
	ctx, cancel := context.WithCancel(withHeaders(ctx, req.GetRequestHeaders()))
	defer cancel()
	stream, err := inv.client.ClientStream(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range req.GetRequestMessages() {
		r := new(conformancev1.ClientStreamRequest)
		if err := m.UnmarshalTo(r); err != nil {
			return nil, err
		}
		sleepMs(req.GetRequestDelayMs())
		if err := stream.Send(r); err == io.EOF {
			break
		}
	}
	if timing.beforeCloseSend {
		cancel()
	} else if timing.afterCloseSendMs >= 0 {
		t := time.AfterFunc(time.Duration(timing.afterCloseSendMs)*time.Millisecond, cancel)
		defer t.Stop()
	}
	result := new(conformancev1.ClientResponseResult)
	resp, err := stream.CloseAndRecv()
	if err != nil {
		result.Error = FromStatusError(err)
	} else {
		result.Payloads = append(result.Payloads, resp.GetPayload())
	}
	header, err := stream.Header()
	if err != nil && result.Error == nil {
		result.Error = FromStatusError(err)
	}
	result.ResponseHeaders = FromMetadata(header)
	result.ResponseTrailers = FromMetadata(stream.Trailer())
	return result, nil
}

func (inv invoker) bidiStream(ctx context.Context, req *conformancev1.ClientCompatRequest) (*conformancev1.ClientResponseResult, error) {
	timing := timingOf(req.GetCancel())
	ctx, cancel := context.WithCancel(withHeaders(ctx, req.GetRequestHeaders()))
	defer cancel()
	stream, err := inv.client.BidiStream(ctx)
	if err != nil {
		return nil, err
	}
	fullDuplex := req.GetStreamType() == conformancev1.StreamType_STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM
	result := new(conformancev1.ClientResponseResult)
	var callErr *conformancev1.Error
	received := 0
	recv := func() (done bool) {
		msg, err := stream.Recv()
		if err != nil {
			if err != io.EOF {
				callErr = FromStatusError(err)
			}
			return true
		}
		result.Payloads = append(result.Payloads, msg.GetPayload())
		if received++; received == timing.afterNumResponses {
			cancel()
		}
		return false
	}
	for _, m := range req.GetRequestMessages() {
		r := new(conformancev1.BidiStreamRequest)
		if err := m.UnmarshalTo(r); err != nil {
			return nil, err
		}
		sleepMs(req.GetRequestDelayMs())
		if err := stream.Send(r); err == io.EOF {
			// The call is over: Recv has its status.
			if _, rerr := stream.Recv(); rerr != nil {
				callErr = FromStatusError(rerr)
			} else {
				callErr = FromStatusError(err)
			}
			break
		}
		if fullDuplex && recv() {
			break
		}
	}
	if timing.beforeCloseSend {
		cancel()
	}
	if err := stream.CloseSend(); err != nil && callErr == nil {
		callErr = FromStatusError(err)
	}
	if timing.afterCloseSendMs >= 0 {
		time.Sleep(time.Duration(timing.afterCloseSendMs) * time.Millisecond)
		cancel()
	}
	header, err := stream.Header()
	if err != nil && callErr == nil {
		callErr = FromStatusError(err)
	}
	if callErr == nil {
		for !recv() {
		}
	}
	result.Error = callErr
	result.ResponseHeaders = FromMetadata(header)
	result.ResponseTrailers = FromMetadata(stream.Trailer())
	return result, nil
}

func sleepMs(ms uint32) {
	if ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}

// Respond wraps an invocation's outcome as the runner's response.
func Respond(name string, result *conformancev1.ClientResponseResult, err error) *conformancev1.ClientCompatResponse {
	resp := &conformancev1.ClientCompatResponse{TestName: name}
	if err != nil {
		resp.Result = &conformancev1.ClientCompatResponse_Error{Error: &conformancev1.ClientErrorResult{Message: err.Error()}}
	} else {
		resp.Result = &conformancev1.ClientCompatResponse_Response{Response: result}
	}
	return resp
}
