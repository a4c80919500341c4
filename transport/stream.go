// Package transport is the version-neutral stream contract of Shockwave: what
// the RPC layer sees of an HTTP request/response exchange, whatever HTTP
// version carries it. transport/h2, transport/http1 and h3 implement it; rpc
// uses only this package, so every wire protocol (gRPC, Connect, gRPC-Web)
// works over every HTTP version that can carry it.
//
// It also holds the listener-level Server that sniffs each accepted
// connection (TLS with ALPN, the HTTP/2 client preface, else HTTP/1.1) and
// hands it to the connection server for that version, so one port serves all
// of them.
//
// Memory: streams, their heads and their header storage are pooled by the
// transports. A value handed to a handler or returned by a ClientStream is
// valid until the stream ends (the handler returns, or the client calls
// Close); views returned by its accessors are valid that long too.
package transport

import (
	"context"
)

// Handler serves the streams of a server. The transport calls ServeStream on
// a goroutine of its own for each request stream, after the request head has
// arrived. When ServeStream returns, the transport finishes the response if
// the handler did not (Finish with no trailers) and recycles the stream: the
// handler must not keep st or any view it returned.
type Handler interface {
	ServeStream(st ServerStream)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(st ServerStream)

// ServeStream calls f(st).
func (f HandlerFunc) ServeStream(st ServerStream) { f(st) }

// ServerStream is one request stream as the server sees it.
//
// Methods are not safe for concurrent use with each other, with two
// exceptions: Context and Reset may be called from any goroutine, and one
// goroutine may Read while another writes (bidirectional streaming).
type ServerStream interface {
	// Context is done when the stream ends: the peer reset it, the
	// connection closed, or the handler returned.
	Context() context.Context

	// Request is the request head. Valid until the handler returns.
	Request() *Request

	// Read reads request body bytes, returning io.EOF after the peer ended
	// its side. Reading gives the bytes' flow-control credit back to the
	// peer. After a reset it returns a *StreamError.
	Read(p []byte) (int, error)

	// RequestTrailers holds the request trailers; complete once Read has
	// returned io.EOF. Empty on HTTP/1.1 without chunked trailers.
	RequestTrailers() *Header

	// Response is the response head to fill before the first Write, Flush
	// or Finish. Its Status defaults to 200.
	Response() *Response

	// Write queues response body bytes, sending the response head first if
	// it has not gone yet. It blocks while the peer's flow-control window is
	// closed and returns a *StreamError if the stream is reset. Queued bytes
	// go out when the connection's writer next flushes; call Flush to ask
	// for that now.
	Write(p []byte) (int, error)

	// Flush asks the transport to send what is queued, including the
	// response head if nothing has been written.
	Flush() error

	// Finish ends the response. With no body written and no trailers, the
	// head goes out alone and ends the stream, which is what gRPC calls a
	// Trailers-Only response. Trailers go in a final header block on HTTP/2
	// and HTTP/3, and in the chunked trailer section on HTTP/1.1 when
	// SupportsTrailers reports true. trailers may be nil.
	Finish(trailers *Header) error

	// SupportsTrailers reports whether this stream can send response
	// trailers (always on HTTP/2 and HTTP/3; on HTTP/1.1 only if the client
	// sent "TE: trailers" and the response is chunked).
	SupportsTrailers() bool

	// Reset aborts the stream with code (RST_STREAM on HTTP/2, a stream
	// reset on HTTP/3, closing the connection on HTTP/1.1).
	Reset(code Code)
}

// ClientConn is one client connection to a server. It multiplexes streams
// where the HTTP version can.
type ClientConn interface {
	// NewStream opens a stream. The request head is filled through the
	// returned stream's Request before the first Write, Flush or CloseSend.
	// ctx governs the stream: when it is done the stream is reset with
	// Cancel. NewStream may block while the peer's concurrent-stream limit
	// is reached, until ctx is done.
	NewStream(ctx context.Context) (ClientStream, error)

	// Done is closed when the connection will take no new streams: the peer
	// sent GOAWAY, the connection failed, or Close was called. Streams in
	// flight may still complete. The RPC layer dials anew when it sees this.
	Done() <-chan struct{}

	// Err reports why Done was closed, or nil.
	Err() error

	// Close closes the connection at once, failing streams in flight.
	Close() error

	// Proto is the HTTP version the connection speaks.
	Proto() Proto
}

// ClientStream is one request stream as the client sees it.
//
// As with ServerStream, one goroutine may read while another writes;
// Cancel may be called from any goroutine.
type ClientStream interface {
	// Request is the head to fill before the first Write, Flush or
	// CloseSend. Method, scheme, authority and path must be set. Its
	// RemoteAddr, LocalAddr and TLS come filled by the transport and
	// describe the connection the stream went out on.
	Request() *Request

	// Write queues request body bytes, sending the head first if needed.
	// It blocks while the server's flow-control window is closed.
	Write(p []byte) (int, error)

	// Flush asks for queued bytes (and the head) to be sent now.
	Flush() error

	// CloseSend ends the request side (END_STREAM on HTTP/2), sending the
	// head first if needed. trailers may be nil.
	CloseSend(trailers *Header) error

	// Response waits for the response head and returns it; it fails with
	// the stream's error if the stream is reset or ctx ends first. A
	// Trailers-Only response (head with END_STREAM) is returned as a head
	// whose body Read returns io.EOF at once.
	Response() (*Response, error)

	// Read reads response body bytes, returning io.EOF at the end of the
	// response. Reading gives flow-control credit back to the server.
	Read(p []byte) (int, error)

	// Trailers holds the response trailers; complete once Read has
	// returned io.EOF. For a Trailers-Only response, the fields are in the
	// head's Header and Trailers is empty.
	Trailers() *Header

	// Cancel resets the stream with code (Cancel for a cancelled call).
	// It may be called from any goroutine, and wakes Read, Write and
	// Response calls waiting on the stream, which then fail: the RPC
	// layer relies on it to end a call whose context ended.
	Cancel(code Code)

	// Close releases the stream. A stream that has not ended is reset with
	// Cancel first. After Close no method may be called and no view the
	// stream returned may be used.
	Close()
}
