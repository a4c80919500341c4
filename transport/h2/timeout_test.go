package h2_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// pipePeer is the far end of a net.Pipe, read by its own goroutine (a pipe
// write blocks until the other side reads) into a channel of frame copies.
type pipePeer struct {
	c      net.Conn
	frames chan frameCopy
	enc    *hpack.Encoder
}

type frameCopy struct {
	frames.Header
	ErrCode      frames.ErrCode
	LastStreamID uint32
	Ping         [8]byte
	Data         []byte
}

func newPipePeer(c net.Conn, serverPreface bool) *pipePeer {
	p := &pipePeer{c: c, frames: make(chan frameCopy, 1000), enc: hpack.NewEncoder(4096)}
	go func() {
		defer close(p.frames)
		fr := frames.NewReader(c)
		if serverPreface {
			if err := fr.ReadClientPreface(); err != nil {
				return
			}
		}
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			p.frames <- frameCopy{f.Header, f.ErrCode, f.LastStreamID, f.PingData(), append([]byte(nil), f.Data...)}
		}
	}()
	return p
}

func (p *pipePeer) write(b []byte) { p.c.Write(b) }

// next returns the next frame of type typ, skipping others; ok is false
// when the connection ended first.
func (p *pipePeer) next(typ frames.Type) (frameCopy, bool) {
	for f := range p.frames {
		if f.Type == typ {
			return f, true
		}
	}
	return frameCopy{}, false
}

// serve starts srv on a pipe and returns the client end.
func servePipe(t *testing.T, srv *h2.Server) (*pipePeer, chan struct{}) {
	cc, sc := net.Pipe()
	done := make(chan struct{})
	go func() { srv.ServeConn(sc); close(done) }()
	return newPipePeer(cc, false), done
}

func clientPreface(settingsAck bool) []byte {
	b := append([]byte(frames.ClientPreface), frames.AppendSettings(nil)...)
	if settingsAck {
		b = frames.AppendSettingsAck(b)
	}
	return b
}

// A connection that never sends the preface is closed after the preface
// timeout.
func TestPrefaceTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, done := servePipe(t, h2.NewServer(transport.HandlerFunc(echo), h2.WithPrefaceTimeout(2*time.Second)))
		time.Sleep(3 * time.Second)
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("connection open past the preface timeout")
		}
		p.c.Close()
	})
}

// A peer that never acknowledges our SETTINGS gets GOAWAY SETTINGS_TIMEOUT
// (RFC 9113 §6.5.3).
func TestSettingsTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, done := servePipe(t, h2.NewServer(transport.HandlerFunc(echo), h2.WithSettingsTimeout(5*time.Second)))
		p.write(clientPreface(false))
		start := time.Now()
		f, ok := p.next(frames.FrameGoAway)
		if !ok || f.ErrCode != frames.ErrCodeSettingsTimeout {
			t.Fatalf("got %+v, %v; want GOAWAY SETTINGS_TIMEOUT", f, ok)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Fatalf("GOAWAY after %v, want 5s", d)
		}
		p.c.Close()
		<-done
	})
}

// Keepalive: a silent peer gets a PING an interval after its last frame,
// as grpc-go's keepalive times it, and the connection closes if the PING
// goes unanswered for the timeout; an answering peer stays.
func TestServerKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := h2.NewServer(transport.HandlerFunc(echo), h2.WithKeepAlive(10*time.Second, 5*time.Second))

		// Answering peer: still connected a minute later, having been
		// pinged every 10s after its last frame: at 10s (the preface
		// came at the start), then 10s after each answer, which comes
		// at once.
		p, done := servePipe(t, srv)
		p.write(clientPreface(true))
		pings := make(chan []time.Duration)
		t0 := time.Now()
		go func() {
			var at []time.Duration
			for f := range p.frames {
				if f.Type == frames.FramePing && !f.Flags.Has(frames.FlagAck) {
					at = append(at, time.Since(t0))
					p.write(frames.AppendPing(nil, true, f.Ping))
				}
			}
			pings <- at
		}()
		time.Sleep(time.Minute - time.Second)
		select {
		case <-done:
			t.Fatal("answering peer was disconnected")
		default:
		}
		p.c.Close()
		<-done
		if at := <-pings; fmt.Sprint(at) != "[10s 20s 30s 40s 50s]" {
			t.Fatalf("PINGs at %v in 59s at a 10s interval, want every 10s from 10s", at)
		}

		// Silent peer: PING after 10s, closed 5s later.
		p, done = servePipe(t, srv)
		p.write(clientPreface(true))
		start := time.Now()
		if _, ok := p.next(frames.FramePing); !ok {
			t.Fatal("no keepalive PING")
		}
		if d := time.Since(start); d != 10*time.Second {
			t.Fatalf("PING after %v, want 10s", d)
		}
		for range p.frames {
		}
		<-done
		if d := time.Since(start); d != 15*time.Second {
			t.Fatalf("closed after %v, want 15s", d)
		}
		p.c.Close()
	})
}

// An idle server connection is closed gracefully.
func TestIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, done := servePipe(t, h2.NewServer(transport.HandlerFunc(echo), h2.WithIdleTimeout(30*time.Second)))
		p.write(clientPreface(true))
		start := time.Now()
		f, ok := p.next(frames.FrameGoAway)
		if !ok || f.ErrCode != frames.ErrCodeNo {
			t.Fatalf("got %+v, %v; want GOAWAY NO_ERROR", f, ok)
		}
		if d := time.Since(start); d < 30*time.Second || d > 60*time.Second {
			t.Fatalf("idle close after %v", d)
		}
		p.c.Close()
		<-done
	})
}

// The client's keepalive closes a connection to a server that went
// silent while a stream is open. With no stream open it sends no PING,
// unless WithKeepAliveWithoutStreams, as grpc-go's client (servers that
// enforce a ping policy close idle connections that ping).
func TestClientKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name             string
		withoutStreams   bool
		stream, wantPing bool
	}{
		{"stream open", false, true, true},
		{"no stream", false, false, false},
		{"no stream, WithKeepAliveWithoutStreams", true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cc, sc := net.Pipe()
				srv := newPipePeer(sc, true)
				c, _ := h2.NewClientConn(cc, h2.WithKeepAlive(10*time.Second, 5*time.Second), h2.WithKeepAliveWithoutStreams(tc.withoutStreams))
				srv.write(frames.AppendSettingsAck(frames.AppendSettings(nil)))
				if tc.stream {
					cs, err := openGET(t, c, context.Background())
					if err != nil {
						t.Fatal(err)
					}
					defer cs.Close()
				}
				start := time.Now()
				select {
				case <-c.Done():
				case <-time.After(time.Minute):
				}
				d := time.Since(start)
				c.Close()
				sc.Close()
				pinged := false
				for f := range srv.frames {
					pinged = pinged || f.Type == frames.FramePing
				}
				if pinged != tc.wantPing {
					t.Fatalf("PING sent: %v, want %v", pinged, tc.wantPing)
				}
				if tc.wantPing && d != 15*time.Second {
					t.Fatalf("closed after %v, want 15s (PING 10s after the last frame, then the 5s timeout)", d)
				}
				if !tc.wantPing && d < time.Minute {
					t.Fatalf("closed after %v without a PING", d)
				}
			})
		})
	}
}

// The client honours GOAWAY and REFUSED_STREAM: streams the server did not
// process fail as unprocessed, the others complete, Done closes.
func TestClientGoAwayAndRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cc, sc := net.Pipe()
		srv := newPipePeer(sc, true)
		c, _ := h2.NewClientConn(cc)
		srv.write(frames.AppendSettings(nil, frames.Setting{ID: frames.SettingMaxConcurrentStreams, Val: 10}))
		open := func() transport.ClientStream {
			cs, err := c.NewStream(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			r := cs.Request()
			r.SetMethodString("GET")
			r.SetSchemeString("http")
			r.SetAuthorityString("a")
			r.SetPathString("/")
			cs.CloseSend(nil)
			return cs
		}
		a, b := open(), open() // streams 1 and 3
		for i := 0; i < 2; i++ {
			srv.next(frames.FrameHeaders)
		}
		srv.write(frames.AppendRSTStream(nil, 3, frames.ErrCodeRefusedStream))
		if _, err := b.Response(); !transport.IsUnprocessed(err) {
			t.Fatalf("refused stream: %v", err)
		}
		cs, d := open(), open() // streams 5 and 7
		for i := 0; i < 2; i++ {
			srv.next(frames.FrameHeaders)
		}
		srv.write(frames.AppendGoAway(nil, 5, frames.ErrCodeNo, nil))
		<-c.Done()
		if _, err := d.Response(); !transport.IsUnprocessed(err) {
			t.Fatalf("stream above GOAWAY's last ID: %v", err)
		}
		if _, err := c.NewStream(context.Background()); !transport.IsUnprocessed(err) {
			t.Fatalf("NewStream after GOAWAY: %v", err)
		}
		for _, id := range []uint32{1, 5} {
			blk := srv.enc.AppendField(nil, hpack.Field{Name: []byte(":status"), Value: []byte("204")})
			srv.write(frames.AppendHeaders(nil, id, true, blk, 0))
		}
		for _, s := range []transport.ClientStream{a, cs} {
			resp, err := s.Response()
			if err != nil || resp.Status != 204 {
				t.Fatalf("stream below GOAWAY's last ID: %v %v", resp, err)
			}
			if _, err := s.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("Read: %v", err)
			}
		}
		for _, s := range []transport.ClientStream{a, b, cs, d} {
			s.Close()
		}
		c.Close()
		sc.Close()
		for range srv.frames {
		}
	})
}

// failWriteConn is a connection whose writes fail at once.
type failWriteConn struct{ net.Conn }

func (c failWriteConn) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// A connection whose first write fails closes, on the writer, while the
// connection is starting: the keepalive and idle timers that closing stops
// must already be in place (under -race, this caught them being set
// outside the mutex).
func TestWriteFailsWhileStarting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := h2.NewServer(transport.HandlerFunc(echo), h2.WithKeepAlive(time.Second, time.Second), h2.WithIdleTimeout(time.Second))
		cn, sn := net.Pipe()
		done := make(chan struct{})
		go func() { srv.ServeConn(failWriteConn{sn}); close(done) }()
		cn.Write(clientPreface(true))
		<-done
		cn.Close()

		cn, sn = net.Pipe()
		c, _ := h2.NewClientConn(failWriteConn{cn}, h2.WithKeepAlive(time.Second, time.Second))
		<-c.Done()
		c.Close()
		sn.Close()
	})
}
