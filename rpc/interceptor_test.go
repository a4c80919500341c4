package rpc

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestChainUnaryServer(t *testing.T) {
	if ChainUnaryServer() != nil || ChainUnaryServer(nil, nil) != nil {
		t.Fatal("an empty chain must be nil so handlers take the fast path")
	}
	var order []string
	mk := func(name string) UnaryServerInterceptor {
		return func(ctx context.Context, req any, info *UnaryServerInfo, h UnaryHandler) (any, error) {
			order = append(order, name+">")
			resp, err := h(ctx, req.(string)+name)
			order = append(order, "<"+name)
			return resp, err
		}
	}
	info := &UnaryServerInfo{FullMethod: "/s/M"}
	chain := ChainUnaryServer(mk("a"), nil, mk("b"), mk("c"))
	resp, err := chain(context.Background(), "req:", info, func(_ context.Context, req any) (any, error) {
		order = append(order, "handler")
		return req, nil
	})
	if err != nil || resp != "req:abc" {
		t.Fatalf("resp %v err %v", resp, err)
	}
	if want := []string{"a>", "b>", "c>", "handler", "<c", "<b", "<a"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	single := mk("only")
	if reflect.ValueOf(ChainUnaryServer(nil, single)).Pointer() != reflect.ValueOf(single).Pointer() {
		t.Fatal("a chain of one must be that interceptor")
	}

	// A chain is reusable: calling it twice runs every interceptor twice.
	order = nil
	_, _ = chain(context.Background(), "", info, func(context.Context, any) (any, error) { return nil, nil })
	_, _ = chain(context.Background(), "", info, func(context.Context, any) (any, error) { return nil, nil })
	if len(order) != 12 {
		t.Fatalf("two calls ran %d steps, want 12", len(order))
	}
}

func TestChainUnaryServerShortCircuit(t *testing.T) {
	deny := errors.New("denied")
	called := false
	chain := ChainUnaryServer(
		func(ctx context.Context, req any, _ *UnaryServerInfo, h UnaryHandler) (any, error) { return nil, deny },
		func(ctx context.Context, req any, _ *UnaryServerInfo, h UnaryHandler) (any, error) {
			called = true
			return h(ctx, req)
		},
	)
	_, err := chain(context.Background(), nil, &UnaryServerInfo{}, func(context.Context, any) (any, error) {
		called = true
		return nil, nil
	})
	if !errors.Is(err, deny) || called {
		t.Fatalf("err %v, later steps called %v", err, called)
	}
}

type fakeServerStream struct {
	ServerStream
	tag string
}

func TestChainStreamServer(t *testing.T) {
	if ChainStreamServer(nil) != nil {
		t.Fatal("an empty chain must be nil")
	}
	var order []string
	mk := func(name string) StreamServerInterceptor {
		return func(srv any, ss ServerStream, info *StreamServerInfo, h StreamHandler) error {
			order = append(order, name)
			return h(srv, &fakeServerStream{tag: ss.(*fakeServerStream).tag + name})
		}
	}
	info := &StreamServerInfo{FullMethod: "/s/M", IsServerStream: true}
	var got string
	err := ChainStreamServer(mk("a"), mk("b"))("srv", &fakeServerStream{tag: ">"}, info, func(srv any, ss ServerStream) error {
		got = ss.(*fakeServerStream).tag
		return nil
	})
	if err != nil || got != ">ab" || !reflect.DeepEqual(order, []string{"a", "b"}) {
		t.Fatalf("err %v tag %q order %v", err, got, order)
	}
}

func TestChainUnaryClient(t *testing.T) {
	if ChainUnaryClient() != nil {
		t.Fatal("an empty chain must be nil")
	}
	var order []string
	mk := func(name string) UnaryClientInterceptor {
		return func(ctx context.Context, method string, req, reply any, cc *ClientConn, inv UnaryInvoker, opts ...CallOption) error {
			order = append(order, name)
			return inv(ctx, method+name, req, reply, cc, opts...)
		}
	}
	var gotMethod string
	var gotOpts int
	err := ChainUnaryClient(mk("a"), mk("b"))(context.Background(), "/s/M", nil, nil, nil,
		func(ctx context.Context, method string, req, reply any, cc *ClientConn, opts ...CallOption) error {
			gotMethod, gotOpts = method, len(opts)
			return nil
		}, EmptyCallOption{})
	if err != nil || gotMethod != "/s/Mab" || gotOpts != 1 || !reflect.DeepEqual(order, []string{"a", "b"}) {
		t.Fatalf("err %v method %q opts %d order %v", err, gotMethod, gotOpts, order)
	}
}

func TestChainStreamClient(t *testing.T) {
	if ChainStreamClient() != nil {
		t.Fatal("an empty chain must be nil")
	}
	var order []string
	mk := func(name string) StreamClientInterceptor {
		return func(ctx context.Context, desc *StreamDesc, cc *ClientConn, method string, s Streamer, opts ...CallOption) (ClientStream, error) {
			order = append(order, name)
			return s(ctx, desc, cc, method+name, opts...)
		}
	}
	desc := &StreamDesc{StreamName: "M", ServerStreams: true}
	var gotMethod string
	var gotDesc *StreamDesc
	_, err := ChainStreamClient(mk("a"), mk("b"), mk("c"))(context.Background(), desc, nil, "/s/M",
		func(ctx context.Context, d *StreamDesc, cc *ClientConn, method string, opts ...CallOption) (ClientStream, error) {
			gotMethod, gotDesc = method, d
			return nil, nil
		})
	if err != nil || gotMethod != "/s/Mabc" || gotDesc != desc || !reflect.DeepEqual(order, []string{"a", "b", "c"}) {
		t.Fatalf("err %v method %q desc %p order %v", err, gotMethod, gotDesc, order)
	}
}
