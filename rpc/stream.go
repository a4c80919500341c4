package rpc

import (
	"context"

	"github.com/shockwave-rpc/shockwave/rpc/metadata"
)

// ServerStream is the server side of a streaming call, as the server hands
// it to a StreamHandler. Generated code wraps it in a GenericServerStream to
// give handlers typed Send and Recv.
type ServerStream interface {
	// SetHeader adds md to the response headers, to be sent with the first
	// message or by SendHeader; it fails once the headers have been sent.
	SetHeader(md metadata.MD) error
	// SendHeader sends the response headers, with md added, now.
	SendHeader(md metadata.MD) error
	// SetTrailer adds md to the trailers sent when the handler returns.
	SetTrailer(md metadata.MD)
	// Context returns the call's context: cancelled when the call ends, and
	// carrying the incoming metadata and the deadline.
	Context() context.Context
	// SendMsg sends m to the client.
	SendMsg(m any) error
	// RecvMsg receives the next client message into m; it returns io.EOF
	// once the client has closed its side.
	RecvMsg(m any) error
}

// ClientStream is the client side of a streaming call, as NewStream returns
// it. Generated code wraps it in a GenericClientStream.
type ClientStream interface {
	// Header waits for and returns the response headers.
	Header() (metadata.MD, error)
	// Trailer returns the trailers; they are complete only once RecvMsg has
	// returned an error (io.EOF on success).
	Trailer() metadata.MD
	// CloseSend closes the send side; the server sees io.EOF.
	CloseSend() error
	// Context returns the call's context.
	Context() context.Context
	// SendMsg sends m to the server.
	SendMsg(m any) error
	// RecvMsg receives the next server message into m; it returns io.EOF
	// when the call ended with status OK, or the status error otherwise.
	RecvMsg(m any) error
}

// ServerStreamingServer is the server side of a server-streaming method:
// one request (passed to the handler), many responses.
type ServerStreamingServer[Res any] interface {
	// Send sends a response message.
	Send(*Res) error
	ServerStream
}

// ClientStreamingServer is the server side of a client-streaming method:
// many requests, one response.
type ClientStreamingServer[Req any, Res any] interface {
	// Recv receives the next request; io.EOF means the client is done.
	Recv() (*Req, error)
	// SendAndClose sends the one response; the handler then returns nil.
	SendAndClose(*Res) error
	ServerStream
}

// BidiStreamingServer is the server side of a bidirectional-streaming
// method.
type BidiStreamingServer[Req any, Res any] interface {
	// Recv receives the next request; io.EOF means the client is done.
	Recv() (*Req, error)
	// Send sends a response message.
	Send(*Res) error
	ServerStream
}

// ServerStreamingClient is the client side of a server-streaming method.
type ServerStreamingClient[Res any] interface {
	// Recv receives the next response; io.EOF means the call ended OK.
	Recv() (*Res, error)
	ClientStream
}

// ClientStreamingClient is the client side of a client-streaming method.
type ClientStreamingClient[Req any, Res any] interface {
	// Send sends a request message.
	Send(*Req) error
	// CloseAndRecv closes the send side and waits for the one response.
	CloseAndRecv() (*Res, error)
	ClientStream
}

// BidiStreamingClient is the client side of a bidirectional-streaming
// method.
type BidiStreamingClient[Req any, Res any] interface {
	// Send sends a request message.
	Send(*Req) error
	// Recv receives the next response; io.EOF means the call ended OK.
	Recv() (*Res, error)
	ClientStream
}

// GenericServerStream adds typed Send, SendAndClose and Recv to a
// ServerStream. Generated handlers wrap the server's stream in one; it
// satisfies all three server-side stream interfaces.
type GenericServerStream[Req any, Res any] struct {
	ServerStream
}

var (
	_ ServerStreamingServer[string]      = (*GenericServerStream[int, string])(nil)
	_ ClientStreamingServer[int, string] = (*GenericServerStream[int, string])(nil)
	_ BidiStreamingServer[int, string]   = (*GenericServerStream[int, string])(nil)
)

// Send sends m to the client.
func (x *GenericServerStream[Req, Res]) Send(m *Res) error {
	return x.ServerStream.SendMsg(m)
}

// SendAndClose sends the one response of a client-streaming call. The call
// ends when the handler returns.
func (x *GenericServerStream[Req, Res]) SendAndClose(m *Res) error {
	return x.ServerStream.SendMsg(m)
}

// Recv receives the next request into a new message, so the caller may keep
// each one.
func (x *GenericServerStream[Req, Res]) Recv() (*Req, error) {
	m := new(Req)
	if err := x.ServerStream.RecvMsg(m); err != nil {
		return nil, err
	}
	return m, nil
}

// GenericClientStream adds typed Send, Recv and CloseAndRecv to a
// ClientStream. Generated clients return one; it satisfies all three
// client-side stream interfaces.
type GenericClientStream[Req any, Res any] struct {
	ClientStream
}

var (
	_ ServerStreamingClient[string]      = (*GenericClientStream[int, string])(nil)
	_ ClientStreamingClient[int, string] = (*GenericClientStream[int, string])(nil)
	_ BidiStreamingClient[int, string]   = (*GenericClientStream[int, string])(nil)
)

// Send sends m to the server.
func (x *GenericClientStream[Req, Res]) Send(m *Req) error {
	return x.ClientStream.SendMsg(m)
}

// Recv receives the next response into a new message.
func (x *GenericClientStream[Req, Res]) Recv() (*Res, error) {
	m := new(Res)
	if err := x.ClientStream.RecvMsg(m); err != nil {
		return nil, err
	}
	return m, nil
}

// CloseAndRecv closes the send side and receives the one response of a
// client-streaming call.
func (x *GenericClientStream[Req, Res]) CloseAndRecv() (*Res, error) {
	if err := x.ClientStream.CloseSend(); err != nil {
		return nil, err
	}
	m := new(Res)
	if err := x.ClientStream.RecvMsg(m); err != nil {
		return nil, err
	}
	return m, nil
}
