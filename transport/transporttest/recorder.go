package transporttest

import (
	"context"
	"io"
	"sync"

	"github.com/shockwave-rpc/shockwave/transport"
)

// Recorder is a transport.ServerStream that serves a request held in memory
// and records the response, for calling a Handler directly. It is reusable:
// Clear keeps its storage, so a test can count a handler's allocations per
// call with testing.AllocsPerRun, free of any transport's.
type Recorder struct {
	// Req is the request head the handler sees.
	Req transport.Request
	// Body is the request body the handler reads, then io.EOF.
	Body []byte
	// ReqTrailers are the request trailers.
	ReqTrailers transport.Header
	// Ctx is the stream's context; nil means context.Background().
	Ctx context.Context

	// Resp is the response head as the handler filled it.
	Resp transport.Response
	// Out is the response body written.
	Out []byte
	// Trailers are the trailers passed to Finish.
	Trailers transport.Header
	// HeadSent is true once the head went out (Write, Flush or Finish).
	HeadSent bool
	// TrailersOnly is true when Finish came with nothing written before.
	TrailersOnly bool
	// Finished is true after Finish.
	Finished bool
	// ResetCode is the code of Reset, valid when WasReset.
	ResetCode transport.Code
	// WasReset is true after Reset.
	WasReset bool

	off     int
	flushed bool
	// mu guards WasReset and ResetCode: the contract lets Reset come from
	// any goroutine (a deadline timer, say) while the handler reads or
	// writes.
	mu sync.Mutex
}

// resetErr returns the error of a reset stream, or nil.
func (r *Recorder) resetErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.WasReset {
		return &transport.StreamError{Code: r.ResetCode}
	}
	return nil
}

var _ transport.ServerStream = (*Recorder)(nil)

// Clear readies r for another request, keeping its storage. (Reset is
// the stream's reset, as the contract names it.)
func (r *Recorder) Clear() {
	r.Req.Reset()
	r.Body = r.Body[:0]
	r.ReqTrailers.Reset()
	r.Resp.Reset()
	r.Out = r.Out[:0]
	r.Trailers.Reset()
	r.HeadSent, r.TrailersOnly, r.Finished = false, false, false
	r.mu.Lock()
	r.WasReset, r.ResetCode = false, 0
	r.mu.Unlock()
	r.off = 0
	r.flushed = false
}

// Context returns r.Ctx or context.Background().
func (r *Recorder) Context() context.Context {
	if r.Ctx != nil {
		return r.Ctx
	}
	return context.Background()
}

// Request returns &r.Req.
func (r *Recorder) Request() *transport.Request { return &r.Req }

// Read reads from Body.
func (r *Recorder) Read(p []byte) (int, error) {
	if err := r.resetErr(); err != nil {
		return 0, err
	}
	if r.off >= len(r.Body) {
		return 0, io.EOF
	}
	n := copy(p, r.Body[r.off:])
	r.off += n
	return n, nil
}

// RequestTrailers returns &r.ReqTrailers.
func (r *Recorder) RequestTrailers() *transport.Header { return &r.ReqTrailers }

// Response returns &r.Resp.
func (r *Recorder) Response() *transport.Response { return &r.Resp }

// Write appends to Out.
func (r *Recorder) Write(p []byte) (int, error) {
	if err := r.resetErr(); err != nil {
		return 0, err
	}
	r.HeadSent = true
	r.Out = append(r.Out, p...)
	return len(p), nil
}

// Flush marks the head sent.
func (r *Recorder) Flush() error {
	r.HeadSent = true
	r.flushed = true
	return nil
}

// Finish records trailers.
func (r *Recorder) Finish(trailers *transport.Header) error {
	if r.Finished {
		return nil
	}
	r.TrailersOnly = !r.HeadSent
	r.HeadSent = true
	r.Finished = true
	if trailers != nil {
		r.Trailers.CopyFrom(trailers)
	}
	return nil
}

// SupportsTrailers reports true.
func (r *Recorder) SupportsTrailers() bool { return true }

// Reset records a reset; it may be called from any goroutine.
func (r *Recorder) Reset(code transport.Code) {
	r.mu.Lock()
	r.WasReset = true
	r.ResetCode = code
	r.mu.Unlock()
}
