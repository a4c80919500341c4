package h2_test

import (
	"net"
	"sync"
	"testing"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

var readBufs = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}

var (
	respBody   = make([]byte, 100)
	grpcStatus = []byte("grpc-status")
	zero       = []byte("0")
)

// unaryHandler is a gRPC-shaped handler: read the request, answer 100 bytes
// and trailers.
func unaryHandler(st transport.ServerStream) {
	// A stack array would escape through the interface call; the RPC
	// layer reads into pooled buffers the same way.
	buf := readBufs.Get().(*[]byte)
	for {
		if _, err := st.Read(*buf); err != nil {
			break
		}
	}
	readBufs.Put(buf)
	st.Response().Header.AddString("content-type", "application/grpc")
	st.Write(respBody)
	tr := st.RequestTrailers() // storage the stream owns, reused per stream
	tr.Reset()
	tr.Add(grpcStatus, zero)
	st.Finish(tr)
}

// pipeClient drives a server over net.Pipe with pre-encoded frames and
// reads responses with frames.Reader, allocating nothing itself, so that
// AllocsPerRun measures the server.
type pipeClient struct {
	c     net.Conn
	fr    *frames.Reader
	enc   *hpack.Encoder
	block []byte
	out   []byte
	body  []byte
	id    uint32
	owed  uint32 // connection credit to return
}

func newPipeClient(t testing.TB, srv *h2.Server) (*pipeClient, func()) {
	cc, sc := net.Pipe()
	done := make(chan struct{})
	go func() { srv.ServeConn(sc); close(done) }()
	p := &pipeClient{c: cc, fr: frames.NewReader(cc), enc: hpack.NewEncoder(4096), body: make([]byte, 100), id: 1}
	p.out = append(p.out, frames.ClientPreface...)
	p.out = frames.AppendSettings(p.out)
	p.encode()
	return p, func() { cc.Close(); <-done }
}

// encode makes the request head block; after the first call every field
// is in the dynamic table and the block is all indexes, as in steady state.
func (p *pipeClient) encode() {
	p.block = p.block[:0]
	fs := [...]string{":method", "POST", ":scheme", "http", ":authority", "localhost:50051", ":path", "/grpc.testing.TestService/UnaryCall", "content-type", "application/grpc", "te", "trailers"}
	for i := 0; i < len(fs); i += 2 {
		p.block = p.enc.AppendField(p.block, hpack.Field{Name: []byte(fs[i]), Value: []byte(fs[i+1])})
	}
}

// roundTrip sends one request and reads until its response ends.
func (p *pipeClient) roundTrip(t testing.TB) {
	id := p.id
	p.id += 2
	p.out = frames.AppendHeaders(p.out, id, false, p.block, 0)
	p.out = frames.AppendData(p.out, id, true, p.body)
	if p.owed > 0 {
		p.out = frames.AppendWindowUpdate(p.out, 0, p.owed)
		p.owed = 0
	}
	if _, err := p.c.Write(p.out); err != nil {
		t.Fatal(err)
	}
	p.out = p.out[:0]
	for {
		f, err := p.fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch f.Type {
		case frames.FrameSettings:
			if !f.IsAck() {
				p.out = frames.AppendSettingsAck(p.out)
			}
		case frames.FramePing:
			if !f.IsAck() {
				p.out = frames.AppendPing(p.out, true, f.PingData())
			}
		case frames.FrameData:
			p.owed += f.Length
		case frames.FrameRSTStream:
			t.Fatalf("stream reset: %v", f.ErrCode)
		}
		if f.StreamID == id && f.StreamEnded() {
			return
		}
	}
}

// The server side of a unary request allocates nothing in steady state:
// streams, heads, trailers, buffers and handler goroutines are all reused.
func TestServerAllocsPerRequest(t *testing.T) {
	checkGoroutines(t)
	srv := h2.NewServer(transport.HandlerFunc(unaryHandler))
	p, stop := newPipeClient(t, srv)
	defer stop()
	for i := 0; i < 50; i++ {
		p.roundTrip(t)
		p.encode()
	}
	allocs := testing.AllocsPerRun(1000, func() { p.roundTrip(t) })
	t.Logf("server allocations per request: %.2f", allocs)
	if allocs > 0 && !raceEnabled {
		t.Errorf("server allocates %.2f times per request, want 0", allocs)
	}
}
