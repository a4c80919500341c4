// Package h2 is Shockwave's HTTP/2 (RFC 9113) connection layer, server and
// client, built on the frames and hpack packages. It implements the
// transport contract: Server is a transport.ConnServer whose handlers see
// transport.ServerStream, and ClientConn is a transport.ClientConn.
//
// # Connections
//
// Each connection has one reader goroutine, which parses frames and updates
// connection and stream state, and one writer goroutine. Streams append
// their frames (HPACK-encoded heads, DATA, trailers) to a shared buffer
// under the connection mutex, and the writer writes everything queued in
// one call, so the frames of many streams share a syscall; when the batch
// is small it yields once first to let ready handlers add theirs. Body data
// that the flow-control windows or the buffer size hold back waits in the
// stream's own buffer, and the writer takes it one frame per stream per
// round, so large bodies share the connection fairly.
//
// Server handlers run on goroutines that the connection reuses (at most
// MaxConcurrentStreams at a time), and streams are pooled per connection
// with their heads, trailers and buffers, so that in steady state serving a
// request allocates nothing.
//
// # Flow control
//
// Both windows are enforced both ways (RFC 9113 §6.9). The connection
// window is credited as data arrives, the stream window as the handler (or
// caller) reads, each by a WINDOW_UPDATE per quarter window rather than per
// DATA frame. So a stream whose reader lags stops only itself; but once
// the unread bytes of all streams reach a cap (WithMaxBufferedBytes, four
// windows by default), the connection credit waits until readers catch
// up or streams are dropped, which bounds what one connection buffers.
// SETTINGS_INITIAL_WINDOW_SIZE changes apply to open streams.
// As in grpc-go, a bandwidth-delay-product estimate from PING round trips
// grows the windows (up to 16 MiB) on links that a window limits; it
// measures once per window of received data, so small messages cost no
// PINGs.
//
// # Stream contexts
//
// A stream's Context is the stream itself: the pooled stream carries a
// small context whose Done channel is made only when asked for. A context
// whose Done or AfterFunc was used is retired with its stream, never
// reused, so code that watches it after the handler returns still sees it
// done; context.WithCancel and friends derive from it without a goroutine.
//
// # Defences
//
// On by default, all configurable: a cap on streams the client resets
// (Rapid Reset), bounds on header blocks and their CONTINUATION frames
// (in frames), caps on PING and SETTINGS frames received while nothing is
// answered and on empty DATA frames, caps on the control frames and (at
// least 4 MiB, more with MaxConcurrentStreams) on the response heads
// queued for a peer that does not read, a cap on the request body bytes
// buffered unread per connection, handler concurrency limited to
// MaxConcurrentStreams with a bounded queue, header list size (431), a
// preface timeout, an idle timeout and keepalive PINGs. A peer that
// breaks a limit gets GOAWAY ENHANCE_YOUR_CALM (or the RFC's code) and
// the server goes on serving everyone else; a peer that does not read
// gets it if it can take it within a second, else the connection closes.
//
// # Shutdown
//
// Server.Shutdown is the two-step graceful shutdown of RFC 9113 §6.8: a
// GOAWAY with the largest stream ID and a PING, then, once the PING
// returns, a GOAWAY with the last stream ID served; streams in flight
// finish. A client whose server goes away closes Done; its streams the
// server did not process fail with a transport.StreamError marked
// Unprocessed, safe to retry on a new connection.
package h2
