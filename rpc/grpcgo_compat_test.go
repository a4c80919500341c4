package rpc_test

import (
	"context"
	"strings"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
)

// grpc-go lower-cases the name given to CallContentSubtype and fails the
// call with INTERNAL when no codec is registered under it; it never falls
// back to proto silently.
func TestCallContentSubtypeLikeGRPCGo(t *testing.T) {
	var ct string
	e := newMemEnv(t, envOpts{server: []rpc.ServerOption{rpc.UnaryInterceptor(func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
		ct = metadata.ValueFromIncomingContext(ctx, "content-type")[0]
		return h(ctx, req)
	})}})
	if _, err := e.client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}, rpc.CallContentSubtype("JSON")); err != nil {
		t.Fatal(err)
	}
	if ct != "application/grpc+json" {
		t.Errorf("CallContentSubtype(\"JSON\") sent content-type %q, want application/grpc+json", ct)
	}
	ct = ""
	_, err := e.client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}, rpc.CallContentSubtype("no-such-codec"))
	if err == nil {
		t.Errorf("CallContentSubtype(\"no-such-codec\") succeeded (server saw content-type %q), want INTERNAL", ct)
	} else {
		wantCode(t, err, codes.Internal)
	}
}

// Header must be filled whenever the response headers arrived, also when
// the call then fails on the client side (grpc-go fills it in the
// after-hook of every attempt that had a stream).
func TestHeaderOptionOnRecvError(t *testing.T) {
	transports(t, envOpts{}, func(t *testing.T, e *env) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-in", "v")
		var hdr metadata.MD
		_, err := e.client.Echo(ctx, &echov1.EchoRequest{Message: "md"}, rpc.Header(&hdr), rpc.MaxCallRecvMsgSize(1))
		wantCode(t, err, codes.ResourceExhausted)
		if got := hdr.Get("x-header"); len(got) != 1 || got[0] != "v" {
			t.Errorf("Header after RESOURCE_EXHAUSTED: %v, want x-header: v", hdr)
		}
	})
}

// grpc-go runs the interceptor of UnaryInterceptor / WithUnaryInterceptor
// (and the stream ones) before every chained one, wherever the options
// stand (server.go chainUnaryServerInterceptors, clientconn.go
// chainUnaryClientInterceptors); a grpc-go program that lists its chain
// first keeps its order after migration only if we do the same.
func TestInterceptorOptionOrderLikeGRPCGo(t *testing.T) {
	var order []string
	su := func(name string) rpc.UnaryServerInterceptor {
		return func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			order = append(order, name)
			return h(ctx, req)
		}
	}
	ss := func(name string) rpc.StreamServerInterceptor {
		return func(srv any, s rpc.ServerStream, info *rpc.StreamServerInfo, h rpc.StreamHandler) error {
			order = append(order, name)
			return h(srv, s)
		}
	}
	cu := func(name string) rpc.UnaryClientInterceptor {
		return func(ctx context.Context, method string, req, reply any, cc *rpc.ClientConn, inv rpc.UnaryInvoker, opts ...rpc.CallOption) error {
			order = append(order, name)
			return inv(ctx, method, req, reply, cc, opts...)
		}
	}
	cs := func(name string) rpc.StreamClientInterceptor {
		return func(ctx context.Context, desc *rpc.StreamDesc, cc *rpc.ClientConn, method string, st rpc.Streamer, opts ...rpc.CallOption) (rpc.ClientStream, error) {
			order = append(order, name)
			return st(ctx, desc, cc, method, opts...)
		}
	}
	e := newMemEnv(t, envOpts{
		server: []rpc.ServerOption{
			rpc.ChainUnaryInterceptor(su("s-chain1"), su("s-chain2")), rpc.UnaryInterceptor(su("s-single")),
			rpc.ChainStreamInterceptor(ss("s-chain1"), ss("s-chain2")), rpc.StreamInterceptor(ss("s-single")),
		},
		client: []rpc.DialOption{
			rpc.WithChainUnaryInterceptor(cu("c-chain1"), cu("c-chain2")), rpc.WithUnaryInterceptor(cu("c-single")),
			rpc.WithChainStreamInterceptor(cs("c-chain1"), cs("c-chain2")), rpc.WithStreamInterceptor(cs("c-single")),
		},
	})
	if _, err := e.client.Echo(context.Background(), &echov1.EchoRequest{Message: "x"}); err != nil {
		t.Fatal(err)
	}
	want := "c-single c-chain1 c-chain2 s-single s-chain1 s-chain2"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("unary order %q, grpc-go's is %q", got, want)
	}
	order = nil
	st, err := e.client.ServerStream(context.Background(), &echov1.EchoRequest{Message: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := st.Recv(); err != nil {
			break
		}
	}
	if got := strings.Join(order, " "); got != want {
		t.Errorf("stream order %q, grpc-go's is %q", got, want)
	}
}
