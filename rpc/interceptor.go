package rpc

import "context"

// UnaryServerInfo describes a unary call to a UnaryServerInterceptor.
type UnaryServerInfo struct {
	// Server is the service implementation the call is for.
	Server any
	// FullMethod is the call's path, "/package.Service/Method".
	FullMethod string
}

// UnaryHandler calls the service method of a unary call with a decoded
// request.
type UnaryHandler func(ctx context.Context, req any) (any, error)

// UnaryServerInterceptor wraps a unary call on the server. It may inspect or
// replace the request, context, response and error; it calls handler to go on
// with the call, or returns without calling it to end the call early.
type UnaryServerInterceptor func(ctx context.Context, req any, info *UnaryServerInfo, handler UnaryHandler) (resp any, err error)

// StreamServerInfo describes a streaming call to a StreamServerInterceptor.
type StreamServerInfo struct {
	// FullMethod is the call's path, "/package.Service/Method".
	FullMethod string
	// IsClientStream is true when the client may send many messages.
	IsClientStream bool
	// IsServerStream is true when the server may send many messages.
	IsServerStream bool
}

// StreamServerInterceptor wraps a streaming call on the server. It may wrap
// ss to observe messages; it calls handler to go on with the call.
type StreamServerInterceptor func(srv any, ss ServerStream, info *StreamServerInfo, handler StreamHandler) error

// UnaryInvoker performs a unary call on the client; the innermost one sends
// it on the connection. cc is the connection the interceptors were
// installed on, as in grpc-go, so an interceptor written for grpc-go
// compiles here with its import changed.
type UnaryInvoker func(ctx context.Context, method string, req, reply any, cc *ClientConn, opts ...CallOption) error

// UnaryClientInterceptor wraps a unary call on the client; it calls invoker
// to go on with the call.
type UnaryClientInterceptor func(ctx context.Context, method string, req, reply any, cc *ClientConn, invoker UnaryInvoker, opts ...CallOption) error

// Streamer begins a streaming call on the client; the innermost one opens
// it on the connection.
type Streamer func(ctx context.Context, desc *StreamDesc, cc *ClientConn, method string, opts ...CallOption) (ClientStream, error)

// StreamClientInterceptor wraps the start of a streaming call on the
// client; it calls streamer to go on, and may wrap the stream it returns.
type StreamClientInterceptor func(ctx context.Context, desc *StreamDesc, cc *ClientConn, method string, streamer Streamer, opts ...CallOption) (ClientStream, error)

// ChainUnaryServer returns one interceptor that runs interceptors in order,
// the first outermost. Nil entries are skipped. With no interceptors it
// returns nil, so generated handlers take their no-interceptor path, which
// allocates nothing.
func ChainUnaryServer(interceptors ...UnaryServerInterceptor) UnaryServerInterceptor {
	chain := compact(interceptors)
	switch len(chain) {
	case 0:
		return nil
	case 1:
		return chain[0]
	}
	return func(ctx context.Context, req any, info *UnaryServerInfo, handler UnaryHandler) (any, error) {
		return chain[0](ctx, req, info, unaryServerNext(chain, 1, info, handler))
	}
}

// unaryServerNext returns the handler that runs chain[i:] and then final.
func unaryServerNext(chain []UnaryServerInterceptor, i int, info *UnaryServerInfo, final UnaryHandler) UnaryHandler {
	if i == len(chain) {
		return final
	}
	return func(ctx context.Context, req any) (any, error) {
		return chain[i](ctx, req, info, unaryServerNext(chain, i+1, info, final))
	}
}

// ChainStreamServer returns one interceptor that runs interceptors in
// order, the first outermost. Nil entries are skipped; with none it returns
// nil.
func ChainStreamServer(interceptors ...StreamServerInterceptor) StreamServerInterceptor {
	chain := compact(interceptors)
	switch len(chain) {
	case 0:
		return nil
	case 1:
		return chain[0]
	}
	return func(srv any, ss ServerStream, info *StreamServerInfo, handler StreamHandler) error {
		return chain[0](srv, ss, info, streamServerNext(chain, 1, info, handler))
	}
}

func streamServerNext(chain []StreamServerInterceptor, i int, info *StreamServerInfo, final StreamHandler) StreamHandler {
	if i == len(chain) {
		return final
	}
	return func(srv any, ss ServerStream) error {
		return chain[i](srv, ss, info, streamServerNext(chain, i+1, info, final))
	}
}

// ChainUnaryClient returns one interceptor that runs interceptors in order,
// the first outermost. Nil entries are skipped; with none it returns nil.
func ChainUnaryClient(interceptors ...UnaryClientInterceptor) UnaryClientInterceptor {
	chain := compact(interceptors)
	switch len(chain) {
	case 0:
		return nil
	case 1:
		return chain[0]
	}
	return func(ctx context.Context, method string, req, reply any, cc *ClientConn, invoker UnaryInvoker, opts ...CallOption) error {
		return chain[0](ctx, method, req, reply, cc, unaryClientNext(chain, 1, invoker), opts...)
	}
}

func unaryClientNext(chain []UnaryClientInterceptor, i int, final UnaryInvoker) UnaryInvoker {
	if i == len(chain) {
		return final
	}
	return func(ctx context.Context, method string, req, reply any, cc *ClientConn, opts ...CallOption) error {
		return chain[i](ctx, method, req, reply, cc, unaryClientNext(chain, i+1, final), opts...)
	}
}

// ChainStreamClient returns one interceptor that runs interceptors in
// order, the first outermost. Nil entries are skipped; with none it returns
// nil.
func ChainStreamClient(interceptors ...StreamClientInterceptor) StreamClientInterceptor {
	chain := compact(interceptors)
	switch len(chain) {
	case 0:
		return nil
	case 1:
		return chain[0]
	}
	return func(ctx context.Context, desc *StreamDesc, cc *ClientConn, method string, streamer Streamer, opts ...CallOption) (ClientStream, error) {
		return chain[0](ctx, desc, cc, method, streamClientNext(chain, 1, streamer), opts...)
	}
}

func streamClientNext(chain []StreamClientInterceptor, i int, final Streamer) Streamer {
	if i == len(chain) {
		return final
	}
	return func(ctx context.Context, desc *StreamDesc, cc *ClientConn, method string, opts ...CallOption) (ClientStream, error) {
		return chain[i](ctx, desc, cc, method, streamClientNext(chain, i+1, final), opts...)
	}
}

// compact returns the non-nil entries of fs in a new slice, so a caller
// changing its slice later does not change the chain.
func compact[F UnaryServerInterceptor | StreamServerInterceptor | UnaryClientInterceptor | StreamClientInterceptor](fs []F) []F {
	out := make([]F, 0, len(fs))
	for _, f := range fs {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}
