package bench

import (
	"net"
	"sync"
	"testing"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
)

// The unary exchange every HTTP/2 benchmark here performs: a gRPC-shaped
// POST of 100 bytes answered with 100 bytes and a trailer.
var (
	reqBody    = make([]byte, 100)
	respBody   = make([]byte, 100)
	grpcStatus = []byte("grpc-status")
	zero       = []byte("0")
	readBufs   = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}
)

// swUnary is the Shockwave handler of the unary exchange.
func swUnary(st transport.ServerStream) {
	buf := readBufs.Get().(*[]byte)
	for {
		if _, err := st.Read(*buf); err != nil {
			break
		}
	}
	readBufs.Put(buf)
	st.Response().Header.AddString("content-type", "application/grpc")
	st.Write(respBody)
	tr := st.RequestTrailers() // stream-owned storage, reused
	tr.Reset()
	tr.Add(grpcStatus, zero)
	st.Finish(tr)
}

// pipeDriver is a client that speaks raw, pre-encoded HTTP/2 over
// net.Pipe and allocates nothing, so that a benchmark through it measures
// the server alone, whichever server it is.
type pipeDriver struct {
	c     net.Conn
	fr    *frames.Reader
	enc   *hpack.Encoder
	block []byte
	out   []byte
	id    uint32
	owed  uint32
}

func newPipeDriver(b *testing.B, serve func(net.Conn)) (*pipeDriver, func()) {
	cc, sc := net.Pipe()
	done := make(chan struct{})
	go func() { serve(sc); close(done) }()
	d := &pipeDriver{c: cc, fr: frames.NewReader(cc), enc: hpack.NewEncoder(4096), id: 1}
	d.out = append(d.out, frames.ClientPreface...)
	d.out = frames.AppendSettings(d.out)
	// Warm up: the second block is all dynamic-table indexes, as in a
	// steady stream of calls.
	for i := 0; i < 20; i++ {
		d.encode()
		d.roundTrip(b)
	}
	return d, func() { cc.Close(); <-done }
}

func (d *pipeDriver) encode() {
	d.block = d.block[:0]
	fs := [...]string{":method", "POST", ":scheme", "http", ":authority", "localhost:50051",
		":path", "/grpc.testing.TestService/UnaryCall", "content-type", "application/grpc", "te", "trailers"}
	for i := 0; i < len(fs); i += 2 {
		d.block = d.enc.AppendField(d.block, hpack.Field{Name: []byte(fs[i]), Value: []byte(fs[i+1])})
	}
}

func (d *pipeDriver) roundTrip(b *testing.B) {
	id := d.id
	d.id += 2
	d.out = frames.AppendHeaders(d.out, id, false, d.block, 0)
	d.out = frames.AppendData(d.out, id, true, reqBody)
	if d.owed > 0 {
		d.out = frames.AppendWindowUpdate(d.out, 0, d.owed)
		d.owed = 0
	}
	if _, err := d.c.Write(d.out); err != nil {
		b.Fatal(err)
	}
	d.out = d.out[:0]
	for {
		f, err := d.fr.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		switch f.Type {
		case frames.FrameSettings:
			if !f.IsAck() {
				d.out = frames.AppendSettingsAck(d.out)
			}
		case frames.FramePing:
			if !f.IsAck() {
				d.out = frames.AppendPing(d.out, true, f.PingData())
			}
		case frames.FrameData:
			d.owed += f.Length
		case frames.FrameRSTStream:
			if f.StreamID == id {
				b.Fatalf("stream reset: %v", f.ErrCode)
			}
		}
		if f.StreamID == id && f.StreamEnded() {
			return
		}
	}
}
