package h2_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// rawPeer speaks HTTP/2 frame by frame, for tests that must send what a
// well-behaved peer would not.
type rawPeer struct {
	t   *testing.T
	c   net.Conn
	fr  *frames.Reader
	enc *hpack.Encoder
	out []byte
}

func newRawPeer(t *testing.T, c net.Conn) *rawPeer {
	return &rawPeer{t: t, c: c, fr: frames.NewReader(c), enc: hpack.NewEncoder(4096)}
}

// dialRaw connects to a server and sends the client preface and SETTINGS.
func dialRaw(t *testing.T, addr string, settings ...frames.Setting) *rawPeer {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A safety net against a hung test, not synchronisation.
	c.SetDeadline(time.Now().Add(20 * time.Second))
	p := newRawPeer(t, c)
	p.out = append(p.out, frames.ClientPreface...)
	p.out = frames.AppendSettings(p.out, settings...)
	p.flush()
	return p
}

// acceptRaw dials a ClientConn (with opts) to a listener and returns it
// with the server side of the connection as a raw peer, the client preface
// read; the SETTINGS exchange is the test's. Both close with the test. The
// peer's socket has a deadline of safety (against a hung test, not
// synchronisation).
func acceptRaw(t *testing.T, ctx context.Context, safety time.Duration, opts ...h2.Option) (*h2.ClientConn, *rawPeer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	cc, err := h2.Dial(ctx, l.Addr().String(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { sc.Close() })
	sc.SetDeadline(time.Now().Add(safety))
	p := newRawPeer(t, sc)
	if err := p.fr.ReadClientPreface(); err != nil {
		t.Fatal(err)
	}
	return cc, p
}

func (p *rawPeer) flush() {
	p.t.Helper()
	if _, err := p.c.Write(p.out); err != nil {
		p.t.Fatalf("write: %v", err)
	}
	p.out = p.out[:0]
}

func (p *rawPeer) block(fields ...string) []byte {
	var b []byte
	for i := 0; i < len(fields); i += 2 {
		b = p.enc.AppendField(b, hpack.Field{Name: []byte(fields[i]), Value: []byte(fields[i+1])})
	}
	return b
}

func (p *rawPeer) request(id uint32, end bool, path string) {
	p.out = frames.AppendHeaders(p.out, id, end, p.block(":method", "POST", ":scheme", "http", ":authority", "a", ":path", path), 0)
}

// until reads frames until match returns true; it fails the test on EOF.
// The frame passed to match is valid only during the call.
func (p *rawPeer) until(match func(f *frames.Frame) bool) {
	p.t.Helper()
	for {
		f, err := p.fr.ReadFrame()
		if err != nil {
			var se *frames.StreamError
			if errors.As(err, &se) {
				continue
			}
			p.t.Fatalf("read: %v", err)
		}
		if f.Type == frames.FrameSettings && !f.IsAck() {
			// Its own buffer: a flooding goroutine may be writing too
			// (net.Conn serialises whole Writes).
			p.c.Write(frames.AppendSettingsAck(nil))
		}
		if match(f) {
			return
		}
	}
}

// goAway reads until GOAWAY and returns its code; then the connection
// must close.
func (p *rawPeer) goAway() frames.ErrCode {
	p.t.Helper()
	var code frames.ErrCode
	p.until(func(f *frames.Frame) bool {
		code = f.ErrCode
		return f.Type == frames.FrameGoAway
	})
	for {
		if _, err := p.fr.ReadFrame(); err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					p.t.Fatal("connection not closed after GOAWAY")
				}
			}
			return code
		}
	}
}
