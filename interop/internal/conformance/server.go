package conformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	conformancev1 "github.com/shockwave-rpc/shockwave/interop/internal/conformancev1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// ServerOptions returns the rpc server options a ServerCompatRequest asks
// for, and the PEM certificate to report back when it asks for TLS.
func ServerOptions(req *conformancev1.ServerCompatRequest) ([]rpc.ServerOption, []byte, error) {
	if req.GetProtocol() != conformancev1.Protocol_PROTOCOL_GRPC {
		return nil, nil, fmt.Errorf("protocol %v is not supported (gRPC only)", req.GetProtocol())
	}
	if req.GetHttpVersion() != conformancev1.HTTPVersion_HTTP_VERSION_2 {
		return nil, nil, fmt.Errorf("HTTP version %v is not supported with gRPC (HTTP/2 only)", req.GetHttpVersion())
	}
	// The suite expects no limit unless it sets one; rpc's default is
	// 4 MiB.
	limit := 1<<31 - 1
	if n := req.GetMessageReceiveLimit(); n > 0 {
		limit = int(n)
	}
	opts := []rpc.ServerOption{rpc.MaxRecvMsgSize(limit)}
	if !req.GetUseTls() {
		return opts, nil, nil
	}
	creds := req.GetServerCreds()
	if len(creds.GetCert()) == 0 || len(creds.GetKey()) == 0 {
		return nil, nil, errNoTLS
	}
	cert, err := tls.X509KeyPair(creds.GetCert(), creds.GetKey())
	if err != nil {
		return nil, nil, err
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if ca := req.GetClientTlsCert(); len(ca) > 0 {
		conf.ClientCAs = x509.NewCertPool()
		if !conf.ClientCAs.AppendCertsFromPEM(ca) {
			return nil, nil, errors.New("no certificate in client_tls_cert")
		}
		conf.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return append(opts, rpc.TLSConfig(conf)), creds.GetCert(), nil
}

// NewServer returns the ConformanceService implementation.
func NewServer() conformancev1.ConformanceServiceServer { return server{} }

type server struct {
	conformancev1.UnimplementedConformanceServiceServer
}

type unaryRequest interface {
	proto.Message
	GetResponseDefinition() *conformancev1.UnaryResponseDefinition
}

func (server) Unary(ctx context.Context, req *conformancev1.UnaryRequest) (*conformancev1.UnaryResponse, error) {
	p, err := unary(ctx, req)
	if err != nil {
		return nil, err
	}
	return &conformancev1.UnaryResponse{Payload: p}, nil
}

// IdempotentUnary is Unary under another name; over gRPC it is an
// ordinary POST.
func (server) IdempotentUnary(ctx context.Context, req *conformancev1.IdempotentUnaryRequest) (*conformancev1.IdempotentUnaryResponse, error) {
	p, err := unary(ctx, req)
	if err != nil {
		return nil, err
	}
	return &conformancev1.IdempotentUnaryResponse{Payload: p}, nil
}

func unary(ctx context.Context, req unaryRequest) (*conformancev1.ConformancePayload, error) {
	reqAny, err := asAny(req)
	if err != nil {
		return nil, err
	}
	def := req.GetResponseDefinition()
	if def != nil {
		if err := rpc.SendHeader(ctx, ToMetadata(def.GetResponseHeaders())); err != nil {
			return nil, err
		}
		if err := rpc.SetTrailer(ctx, ToMetadata(def.GetResponseTrailers())); err != nil {
			return nil, err
		}
		if err := sleep(ctx, def.GetResponseDelayMs()); err != nil {
			return nil, err
		}
	}
	return unaryPayload(ctx, def, []*anypb.Any{reqAny})
}

func (server) ClientStream(stream conformancev1.ConformanceService_ClientStreamServer) error {
	ctx := stream.Context()
	var def *conformancev1.UnaryResponseDefinition
	var reqs []*anypb.Any
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if i == 0 {
			def = msg.GetResponseDefinition()
		}
		a, err := asAny(msg)
		if err != nil {
			return err
		}
		reqs = append(reqs, a)
	}
	if def != nil {
		if err := stream.SendHeader(ToMetadata(def.GetResponseHeaders())); err != nil {
			return err
		}
		stream.SetTrailer(ToMetadata(def.GetResponseTrailers()))
		if err := sleep(ctx, def.GetResponseDelayMs()); err != nil {
			return err
		}
	}
	p, err := unaryPayload(ctx, def, reqs)
	if err != nil {
		return err
	}
	return stream.SendAndClose(&conformancev1.ClientStreamResponse{Payload: p})
}

func (server) ServerStream(req *conformancev1.ServerStreamRequest, stream conformancev1.ConformanceService_ServerStreamServer) error {
	ctx := stream.Context()
	reqAny, err := asAny(req)
	if err != nil {
		return err
	}
	def := req.GetResponseDefinition()
	if def == nil {
		return nil
	}
	if err := stream.SendHeader(ToMetadata(def.GetResponseHeaders())); err != nil {
		return err
	}
	stream.SetTrailer(ToMetadata(def.GetResponseTrailers()))
	sent := 0
	for _, data := range def.GetResponseData() {
		resp := &conformancev1.ServerStreamResponse{Payload: &conformancev1.ConformancePayload{Data: data}}
		// The request info cannot change after the first response, so
		// only that one carries it.
		if sent == 0 {
			resp.Payload.RequestInfo = requestInfo(ctx, []*anypb.Any{reqAny})
		}
		if err := sleep(ctx, def.GetResponseDelayMs()); err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return status.Error(codes.Internal, "error sending on stream: "+err.Error())
		}
		sent++
	}
	return streamError(ctx, def.GetError(), sent, []*anypb.Any{reqAny})
}

func (server) BidiStream(stream conformancev1.ConformanceService_BidiStreamServer) error {
	ctx := stream.Context()
	var def *conformancev1.StreamResponseDefinition
	fullDuplex := false
	sent := 0
	var reqs []*anypb.Any
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		req, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		a, err := asAny(req)
		if err != nil {
			return err
		}
		reqs = append(reqs, a)
		if i == 0 {
			def, fullDuplex = req.GetResponseDefinition(), req.GetFullDuplex()
			if def != nil {
				md := ToMetadata(def.GetResponseHeaders())
				if fullDuplex {
					err = stream.SendHeader(md)
				} else {
					// Half duplex writes nothing until the client is
					// done sending.
					err = stream.SetHeader(md)
				}
				if err != nil {
					return err
				}
				stream.SetTrailer(ToMetadata(def.GetResponseTrailers()))
			}
		}
		if !fullDuplex {
			continue
		}
		// Full duplex: a response per request, while there are any.
		if def == nil || sent >= len(def.GetResponseData()) {
			break
		}
		resp := &conformancev1.BidiStreamResponse{Payload: &conformancev1.ConformancePayload{Data: def.GetResponseData()[sent]}}
		if sent == 0 {
			resp.Payload.RequestInfo = requestInfo(ctx, reqs)
		} else {
			resp.Payload.RequestInfo = &conformancev1.ConformancePayload_RequestInfo{Requests: reqs}
		}
		if err := sleep(ctx, def.GetResponseDelayMs()); err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return status.Error(codes.Internal, "error sending on stream: "+err.Error())
		}
		sent++
		reqs = nil
	}
	if def == nil {
		return nil
	}
	// Half duplex sends everything now; full duplex sends the responses
	// left over when there were fewer requests.
	for ; sent < len(def.GetResponseData()); sent++ {
		if err := ctx.Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		resp := &conformancev1.BidiStreamResponse{Payload: &conformancev1.ConformancePayload{Data: def.GetResponseData()[sent]}}
		if sent == 0 {
			resp.Payload.RequestInfo = requestInfo(ctx, reqs)
		}
		if err := sleep(ctx, def.GetResponseDelayMs()); err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return status.Error(codes.Internal, "error sending on stream: "+err.Error())
		}
	}
	return streamError(ctx, def.GetError(), sent, reqs)
}

// streamError is the status a stream ends with: the definition's error,
// carrying the request info as a detail when no response did.
func streamError(ctx context.Context, e *conformancev1.Error, sent int, reqs []*anypb.Any) error {
	if e == nil {
		return nil
	}
	if sent == 0 {
		info, err := anypb.New(requestInfo(ctx, reqs))
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		e = proto.CloneOf(e)
		e.Details = append(e.Details, info)
	}
	return ToStatusError(e)
}

// unaryPayload is the response of a unary or client-streaming call: the
// definition's data, or its error with the request info as a detail.
func unaryPayload(ctx context.Context, def *conformancev1.UnaryResponseDefinition, reqs []*anypb.Any) (*conformancev1.ConformancePayload, error) {
	info := requestInfo(ctx, reqs)
	if e := def.GetError(); e != nil {
		infoAny, err := anypb.New(info)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		e = proto.CloneOf(e)
		e.Details = append(e.Details, infoAny)
		return nil, ToStatusError(e)
	}
	return &conformancev1.ConformancePayload{RequestInfo: info, Data: def.GetResponseData()}, nil
}

// requestInfo reports what the server saw of the call: its headers, its
// timeout and its requests.
func requestInfo(ctx context.Context, reqs []*anypb.Any) *conformancev1.ConformancePayload_RequestInfo {
	md, _ := metadata.FromIncomingContext(ctx)
	info := &conformancev1.ConformancePayload_RequestInfo{
		RequestHeaders: FromMetadata(md),
		Requests:       reqs,
	}
	if dl, ok := ctx.Deadline(); ok {
		ms := max(time.Until(dl), 0).Milliseconds()
		info.TimeoutMs = &ms
	}
	return info
}

func asAny(m proto.Message) (*anypb.Any, error) {
	a, err := anypb.New(m)
	if err != nil {
		return nil, status.Error(codes.Internal, "unable to convert message: "+err.Error())
	}
	return a, nil
}

// sleep waits ms milliseconds before a response. When the call ends
// meanwhile (its deadline, say) it returns the call's status at once, and
// the response is not sent.
func sleep(ctx context.Context, ms uint32) error {
	if ms > 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return nil
}
