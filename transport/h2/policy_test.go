package h2_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// pingPeer sends PINGs to a server with the policy of WithPingPolicy and
// reports whether the server ended the connection with GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings" after the last. Every PING must be
// acknowledged, the last too (RFC 9113 §6.7).
func pingPeer(t *testing.T, p *pipePeer, pings int, gap time.Duration, between func(i int)) bool {
	t.Helper()
	for i := range pings {
		if i > 0 {
			time.Sleep(gap)
		}
		if between != nil {
			between(i)
		}
		p.write(frames.AppendPing(nil, false, [8]byte{byte(i)}))
		synctest.Wait()
	}
	p.c.Close()
	acks := 0
	for f := range p.frames {
		switch {
		case f.Type == frames.FramePing && f.Flags.Has(frames.FlagAck):
			acks++
		case f.Type == frames.FrameGoAway:
			if f.ErrCode != frames.ErrCodeEnhanceYourCalm || string(f.Data) != "too_many_pings" {
				t.Fatalf("GOAWAY %v %q, want ENHANCE_YOUR_CALM too_many_pings", f.ErrCode, f.Data)
			}
			if acks != pings {
				t.Fatalf("%d PING ACKs before the GOAWAY, want %d", acks, pings)
			}
			return true
		}
	}
	if acks != pings {
		t.Fatalf("%d PING ACKs, want %d", acks, pings)
	}
	return false
}

// WithPingPolicy holds the client to grpc-go's keepalive enforcement: two
// PINGs sooner than the policy allows pass, the third ends the
// connection; PINGs after the server sent data, or spaced as allowed,
// never do.
func TestPingPolicy(t *testing.T) {
	const minTime = time.Minute
	for _, tc := range []struct {
		name    string
		permit  bool
		pings   int
		gap     time.Duration
		stream  bool
		between bool // a response goes out before each PING
		goAway  bool
	}{
		{"three quick pings pass", false, 3, time.Second, true, false, false},
		{"the fourth ends the connection", false, 4, time.Second, true, false, true},
		{"pings spaced by minTime", false, 10, minTime, true, false, false},
		{"no stream: minTime is not enough", false, 4, minTime, false, false, true},
		{"no stream, permitted", true, 10, minTime, false, false, false},
		{"data between pings", false, 10, time.Second, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Handlers answer and wait, so their streams stay open.
				hold := make(chan struct{})
				handler := transport.HandlerFunc(func(st transport.ServerStream) {
					st.Response().Status = 200
					st.Flush()
					<-hold
				})
				srv := h2.NewServer(handler, h2.WithPingPolicy(minTime, tc.permit), h2.WithMaxControlFrames(0))
				p, done := servePipe(t, srv)
				p.write(clientPreface(true))
				defer func() {
					close(hold)
					<-done
				}()
				id := uint32(1)
				if tc.stream {
					p.openStream(id)
					synctest.Wait()
				}
				var between func(int)
				if tc.between {
					between = func(int) {
						id += 2
						p.openStream(id)
						synctest.Wait()
					}
				}
				if got := pingPeer(t, p, tc.pings, tc.gap, between); got != tc.goAway {
					t.Fatalf("GOAWAY too_many_pings: %v, want %v", got, tc.goAway)
				}
			})
		})
	}
}

// WithMaxConnectionAge: past its age (give or take 10%) a connection gets
// the two-step GOAWAY of a graceful shutdown; a stream in flight may finish
// within the grace, and after it the connection closes, failing what is
// left.
func TestMaxConnectionAge(t *testing.T) {
	for _, finish := range []bool{true, false} {
		name := "stream outlives the grace"
		if finish {
			name = "stream ends within the grace"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				ended := make(chan error, 1)
				handler := transport.HandlerFunc(func(st transport.ServerStream) {
					st.Response().Status = 200
					st.Flush()
					select {
					case <-release:
					case <-st.Context().Done():
					}
					ended <- st.Context().Err()
				})
				srv := h2.NewServer(handler, h2.WithMaxConnectionAge(100*time.Second, 20*time.Second))
				p, done := servePipe(t, srv)
				start := time.Now()
				p.write(clientPreface(true))
				blk := p.enc.AppendField(nil, hpack.Field{Name: []byte(":method"), Value: []byte("GET")})
				blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":scheme"), Value: []byte("http")})
				blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":authority"), Value: []byte("a")})
				blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":path"), Value: []byte("/")})
				p.write(frames.AppendHeaders(nil, 1, true, blk, 16384))

				g, ok := p.next(frames.FrameGoAway)
				if !ok || g.ErrCode != frames.ErrCodeNo || g.LastStreamID != 1<<31-1 {
					t.Fatalf("first GOAWAY %+v, %v; want NO_ERROR with 2^31-1", g, ok)
				}
				if d := time.Since(start); d < 90*time.Second || d > 110*time.Second {
					t.Fatalf("GOAWAY after %v, want 100s ± 10%%", d)
				}
				ping, ok := p.next(frames.FramePing)
				if !ok {
					t.Fatal("no PING after the first GOAWAY")
				}
				aged := time.Now()
				p.write(frames.AppendPing(nil, true, ping.Ping))
				if g, ok = p.next(frames.FrameGoAway); !ok || g.LastStreamID != 1 {
					t.Fatalf("final GOAWAY %+v, %v; want last stream 1", g, ok)
				}
				if finish {
					time.Sleep(10 * time.Second)
					close(release)
					if err := <-ended; err != nil {
						t.Fatalf("handler's context: %v", err)
					}
				} else if err := <-ended; err == nil {
					t.Fatal("handler's context not done at the close")
				}
				for range p.frames {
				}
				<-done
				want := 20 * time.Second
				if finish {
					want = 10 * time.Second
				}
				if d := time.Since(aged); d != want {
					t.Fatalf("closed %v after the GOAWAY, want %v", d, want)
				}
				p.c.Close()
			})
		})
	}
}

// openStream sends the head of a request whose body is still to come.
func (p *pipePeer) openStream(id uint32) {
	blk := p.enc.AppendField(nil, hpack.Field{Name: []byte(":method"), Value: []byte("POST")})
	blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":scheme"), Value: []byte("http")})
	blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":authority"), Value: []byte("a")})
	blk = p.enc.AppendField(blk, hpack.Field{Name: []byte(":path"), Value: []byte("/")})
	p.write(frames.AppendHeaders(nil, id, false, blk, 16384))
}

// A server that closes the connection after a GOAWAY with an error code
// said why: the streams that fail with the connection report it (here
// grpc-go's too_many_pings), still as ErrConnClosed.
func TestClientStreamsReportGoAwayReason(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, nil)
		defer s.close()
		cs, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		h, _ := s.next(frames.FrameHeaders)
		s.write(frames.AppendGoAway(nil, h.StreamID, frames.ErrCodeEnhanceYourCalm, []byte("too_many_pings")))
		synctest.Wait()
		s.sn.Close()
		_, err = cs.Response()
		var ga *h2.GoAwayError
		if !errors.Is(err, transport.ErrConnClosed) || !errors.As(err, &ga) || ga.Debug != "too_many_pings" {
			t.Fatalf("stream error %v, want ErrConnClosed with the GOAWAY's reason", err)
		}
	})
}

// A response's trailers going out also make the next PING free, as
// grpc-go's status does: a stream whose only frame between two PINGs is
// its trailers costs the client no strike.
func TestPingPolicyTrailers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		finish := make(chan struct{})
		handler := transport.HandlerFunc(func(st transport.ServerStream) {
			st.Response().Status = 200
			st.Flush()
			<-finish
			var tr transport.Header
			tr.AddString("grpc-status", "0")
			st.Finish(&tr)
		})
		srv := h2.NewServer(handler, h2.WithPingPolicy(time.Minute, true))
		p, done := servePipe(t, srv)
		p.write(clientPreface(true))
		p.openStream(1)
		synctest.Wait()
		// The head went out: the first PING is free, the next two are
		// strikes; then the trailers go out, and the fourth is free.
		between := func(i int) {
			if i == 3 {
				close(finish)
				synctest.Wait()
			}
		}
		if pingPeer(t, p, 4, time.Second, between) {
			t.Fatal("GOAWAY too_many_pings with trailers sent before the last PING")
		}
		<-done
	})
}

// A connection that fails on a write after the server's GOAWAY with an
// error code still reports the GOAWAY's reason to its streams: grpc-go's
// server closes the socket right after its too_many_pings, and a write of
// ours may find it closed before the reader does.
func TestClientGoAwayReasonOnWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn, sn := net.Pipe()
		p := newPipePeer(sn, true)
		sc := &slowReaderConn{Conn: cn, release: make(chan struct{})}
		c, _ := h2.NewClientConn(sc)
		p.write(frames.AppendSettingsAck(frames.AppendSettings(nil)))
		cs := openPOST(t, c, context.Background(), "/")
		cs.Write([]byte("part"))
		cs.Flush()
		h, _ := p.next(frames.FrameHeaders)
		p.write(frames.AppendGoAway(nil, h.StreamID, frames.ErrCodeEnhanceYourCalm, []byte("too_many_pings")))
		synctest.Wait()
		sc.failWrites.Store(true)
		cs.Write([]byte("more"))
		cs.Flush()
		synctest.Wait()
		_, err := cs.Response()
		var ga *h2.GoAwayError
		if !errors.Is(err, transport.ErrConnClosed) || !errors.As(err, &ga) || ga.Debug != "too_many_pings" {
			t.Errorf("stream error %v, want ErrConnClosed with the GOAWAY's reason", err)
		}
		close(sc.release)
		cs.Close()
		c.Close()
		sn.Close()
		for range p.frames {
		}
	})
}
