package h2_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// waitHandler blocks until the stream ends, like a slow RPC.
func waitHandler(st transport.ServerStream) {
	if string(st.Request().Path()) == "/wait" {
		<-st.Context().Done()
		return
	}
	echo(st)
}

// After each attack, a well-behaved client on another connection is still
// served: the attacker loses only its own connection.
func stillServes(t *testing.T, addr string) {
	t.Helper()
	cc := dial(t, addr)
	if _, body, _, err := call(t, cc, "POST", "/echo", []byte("fine"), nil); err != nil || body != "fine" {
		t.Fatalf("well-behaved client: %q %v", body, err)
	}
	cc.Close()
}

// Rapid Reset (CVE-2023-44487): opening and resetting streams in a loop
// ends the connection with ENHANCE_YOUR_CALM.
func TestRapidResetFlood(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, waitHandler, false, h2.WithResetLimit(100, time.Minute))
	p := dialRaw(t, ts.addr)
	// Encoded here: the HPACK encoder belongs to this goroutine.
	var flood [][]byte
	for id := uint32(1); id < 2000; id += 2 {
		p.request(id, false, "/wait")
		p.out = frames.AppendRSTStream(p.out, id, frames.ErrCodeCancel)
		flood = append(flood, p.out)
		p.out = nil
	}
	go func() {
		for _, b := range flood {
			if _, err := p.c.Write(b); err != nil {
				return
			}
		}
	}()
	if code := p.goAway(); code != frames.ErrCodeEnhanceYourCalm {
		t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}
	stillServes(t, ts.addr)
}

// CONTINUATION flood: a header block that never ends.
func TestContinuationFlood(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, waitHandler, false)
	p := dialRaw(t, ts.addr)
	// Acknowledge the server's SETTINGS first: nothing may interrupt the
	// header block once it starts (RFC 9113 §6.10).
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameSettings && !f.IsAck() })
	blk := p.block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/")
	p.out = frames.AppendFrameHeader(p.out, frames.Header{Length: uint32(len(blk)), Type: frames.FrameHeaders, StreamID: 1})
	p.out = append(p.out, blk...)
	p.flush()
	go func() {
		var b []byte
		for i := 0; i < 10000; i++ {
			b = frames.AppendContinuation(b[:0], 1, false, []byte("x-a: b"))
			if _, err := p.c.Write(b); err != nil {
				return
			}
		}
	}()
	if code := p.goAway(); code != frames.ErrCodeEnhanceYourCalm {
		t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}
	stillServes(t, ts.addr)
}

// PING, SETTINGS and empty DATA floods.
func TestControlFloods(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, waitHandler, false)
	for _, tc := range []struct {
		name  string
		frame func(b []byte) []byte
	}{
		{"ping", func(b []byte) []byte { return frames.AppendPing(b, false, [8]byte{1}) }},
		{"settings", func(b []byte) []byte { return frames.AppendSettings(b) }},
		{"empty data", func(b []byte) []byte { return frames.AppendData(b, 1, false, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := dialRaw(t, ts.addr)
			p.request(1, false, "/wait")
			p.flush()
			go func() {
				var b []byte
				for i := 0; i < 200; i++ {
					b = b[:0]
					for j := 0; j < 100; j++ {
						b = tc.frame(b)
					}
					if _, err := p.c.Write(b); err != nil {
						return
					}
				}
			}()
			if code := p.goAway(); code != frames.ErrCodeEnhanceYourCalm {
				t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
			}
		})
	}
	stillServes(t, ts.addr)
}

// Graceful shutdown: streams in flight complete, the client sees the
// connection go away (Done) and new streams fail as unprocessed, and
// Shutdown returns once the streams are done.
func TestGracefulShutdown(t *testing.T) {
	checkGoroutines(t)
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	ts := startServer(t, func(st transport.ServerStream) {
		started <- struct{}{}
		<-release
		echo(st)
	}, false)
	cc := dial(t, ts.addr)
	const n = 5
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body, _, err := call(t, cc, "POST", "/slow", []byte("done"), nil); err != nil || body != "done" {
				t.Errorf("in-flight stream: %q %v", body, err)
			}
		}()
	}
	for i := 0; i < n; i++ {
		<-started
	}
	shut := make(chan error, 1)
	go func() { shut <- ts.h2.Shutdown(context.Background()) }()
	<-cc.Done()
	if _, _, _, err := call(t, cc, "POST", "/late", nil, nil); !transport.IsUnprocessed(err) {
		t.Fatalf("stream after GOAWAY: %v, want unprocessed", err)
	}
	close(release)
	wg.Wait()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// A handler learns that its connection drains through Request.Draining,
// which Shutdown and the connection's maximum age close while the stream is
// in flight, so that a long-lived stream can end and the drain complete.
// The client's Request has none.
func TestRequestDraining(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []h2.Option
		drain func(ts *testServer) error
	}{
		{"Shutdown", nil, func(ts *testServer) error { return ts.h2.Shutdown(context.Background()) }},
		{"MaxConnectionAge", []h2.Option{h2.WithMaxConnectionAge(time.Second, time.Minute)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			started := make(chan struct{})
			ts := startServer(t, func(st transport.ServerStream) {
				d := st.Request().Draining
				if d == nil {
					t.Error("server Request.Draining is nil")
					st.Finish(nil)
					return
				}
				select {
				case <-d:
					t.Error("Request.Draining closed before any drain")
				default:
				}
				close(started)
				select {
				case <-d:
					st.Write([]byte("drained"))
				case <-time.After(10 * time.Second):
					st.Write([]byte("not drained"))
				}
				st.Finish(nil)
			}, false, tc.opts...)
			cc := dial(t, ts.addr)
			cs, err := cc.NewStream(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if cs.Request().Draining != nil {
				t.Error("client Request.Draining is not nil")
			}
			cs.Close()
			got := make(chan string, 1)
			go func() {
				_, body, _, err := call(t, cc, "POST", "/long", nil, nil)
				if err != nil {
					body = err.Error()
				}
				got <- body
			}()
			select {
			case <-started:
			case body := <-got:
				t.Fatalf("the call ended before its handler started: %q", body)
			case <-time.After(10 * time.Second):
				t.Fatal("the handler did not start within 10s")
			}
			shut := make(chan error, 1)
			if tc.drain != nil {
				go func() { shut <- tc.drain(ts) }()
			} else {
				shut <- nil
			}
			if body := <-got; body != "drained" {
				t.Fatalf("long stream answered %q, want drained", body)
			}
			if err := <-shut; err != nil {
				t.Fatalf("drain: %v", err)
			}
		})
	}
}

// A graceful Shutdown that comes while the server waits for a client's
// preface still sends SETTINGS first (RFC 9113 §3.4: the server preface
// is a SETTINGS frame), then the GOAWAY.
func TestShutdownBeforePrefaceSendsSettingsFirst(t *testing.T) {
	checkGoroutines(t)
	srv := h2.NewServer(transport.HandlerFunc(func(st transport.ServerStream) { st.Finish(nil) }))
	cli, sc := net.Pipe()
	defer cli.Close()
	served := make(chan struct{})
	go func() { srv.ServeConn(sc); close(served) }()
	for deadline := time.Now().Add(10 * time.Second); srv.Conns() != 1; {
		if time.Now().After(deadline) {
			t.Fatal("ServeConn did not list the connection")
		}
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	for deadline := time.Now().Add(10 * time.Second); !srv.Closed(); {
		if time.Now().After(deadline) {
			t.Fatal("Shutdown did not begin")
		}
		time.Sleep(time.Millisecond)
	}
	// Shutdown's GOAWAY is queued; the preface lets the writer start.
	go func() {
		cli.Write([]byte(frames.ClientPreface))
		cli.Write(frames.AppendSettings(nil))
	}()
	fr := frames.NewReader(cli)
	f, err := fr.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != frames.FrameSettings {
		t.Fatalf("first frame from the server: %v, want SETTINGS", f.Type)
	}
	sawGoAway := false
	for !sawGoAway {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading to the GOAWAY: %v", err)
		}
		sawGoAway = f.Type == frames.FrameGoAway
	}
	cli.Close()
	<-served
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// A stream whose reader does not read stalls on flow control without
// holding up the other streams of the connection.
func TestSlowReaderDoesNotBlockOthers(t *testing.T) {
	checkGoroutines(t)
	big := strings.Repeat("z", 4<<20)
	ts := startServer(t, func(st transport.ServerStream) {
		if string(st.Request().Path()) == "/big" {
			st.Write([]byte(big))
			st.Finish(nil)
			return
		}
		echo(st)
	}, false)
	cc := dial(t, ts.addr)
	cs, err := cc.NewStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := cs.Request()
	r.SetMethodString("GET")
	r.SetSchemeString("http")
	r.SetAuthorityString("a")
	r.SetPathString("/big")
	cs.CloseSend(nil)
	if _, err := cs.Response(); err != nil {
		t.Fatal(err)
	}
	// /big is now stalled on its stream window; others go through.
	for i := 0; i < 20; i++ {
		if _, body, _, err := call(t, cc, "POST", "/small", []byte("s"), nil); err != nil || body != "s" {
			t.Fatalf("small call %d: %q %v", i, body, err)
		}
	}
	got, err := io.ReadAll(cs)
	if err != nil || len(got) != len(big) {
		t.Fatalf("big: %d bytes, %v", len(got), err)
	}
	cs.Close()
}

// SETTINGS_INITIAL_WINDOW_SIZE changes apply to open streams (RFC 9113
// §6.9.2): a stream opened with a zero window sends nothing until the
// peer raises the setting, then exactly what the new window allows.
func TestInitialWindowChangeMidStream(t *testing.T) {
	checkGoroutines(t)
	body := strings.Repeat("w", 100)
	ts := startServer(t, func(st transport.ServerStream) {
		st.Write([]byte(body))
		st.Finish(nil)
	}, false)
	p := dialRaw(t, ts.addr, frames.Setting{ID: frames.SettingInitialWindowSize, Val: 0})
	p.request(1, true, "/w")
	p.flush()
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameData {
			t.Fatalf("DATA with a zero window")
		}
		return f.Type == frames.FrameHeaders
	})
	p.out = frames.AppendSettings(p.out, frames.Setting{ID: frames.SettingInitialWindowSize, Val: 30})
	p.flush()
	got := 0
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameData {
			got += len(f.Data)
			if got > 30 || f.StreamEnded() {
				t.Fatalf("%d bytes sent into a window of 30", got)
			}
		}
		return got == 30
	})
	p.out = frames.AppendWindowUpdate(p.out, 1, 70)
	p.flush()
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameData {
			got += len(f.Data)
		}
		return f.StreamEnded()
	})
	if got != 100 {
		t.Fatalf("got %d bytes, want 100", got)
	}
}

var _ = errors.New

// A client that floods PINGs (or SETTINGS, each needing an ACK) and never
// reads: the answers pile up behind a writer blocked on the peer. Past the
// cap on queued control frames the server stops reading, gives the GOAWAY
// the linger time to leave, and closes; it never holds more than the cap.
// Other connections are served meanwhile and after. The floods stay under
// the per-second PING/SETTINGS limit, so only the queue cap can stop them.
func TestControlQueueCapPeerNotReading(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame func(b []byte) []byte
	}{
		{"ping", func(b []byte) []byte { return frames.AppendPing(b, false, [8]byte{7}) }},
		{"settings", func(b []byte) []byte { return frames.AppendSettings(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const limit = 10 // frames per second; 10*limit queued at most
				srv := h2.NewServer(transport.HandlerFunc(echo), h2.WithMaxControlFrames(limit),
					h2.WithSettingsTimeout(time.Hour))
				cc, sc := net.Pipe()
				done := make(chan struct{})
				go func() { srv.ServeConn(sc); close(done) }()
				// A pipe has no buffer: not reading cc blocks the server's
				// writer on its first write, like a full TCP window.
				if _, err := cc.Write(clientPreface(false)); err != nil {
					t.Fatal(err)
				}
				sent := 0
				var batch []byte
				for i := 0; i < limit-1; i++ {
					batch = tc.frame(batch)
				}
				for sent < 100*limit {
					if _, err := cc.Write(batch); err != nil {
						break
					}
					sent += limit - 1
					time.Sleep(time.Second)

					if sent == 5*(limit-1) {
						// Halfway: another client is served all the same.
						servedOnPipe(t, srv, true)
					}
				}
				<-done
				// The frames that arrived before the writer took its
				// first buffer, and the batch that crossed the cap, are
				// over it.
				if sent > 12*limit {
					t.Fatalf("server read %d control frames from a peer that reads nothing; cap is %d", sent, 10*limit)
				}
				cc.Close()
				servedOnPipe(t, srv, true)
				srv.Close()
			})
		})
	}
}

// servedOnPipe makes one request to srv over a new pipe connection and
// checks the answer: status 200 and, if srv echoes, the body.
func servedOnPipe(t *testing.T, srv *h2.Server, echoes bool) {
	t.Helper()
	cn, sn := net.Pipe()
	done := make(chan struct{})
	go func() { srv.ServeConn(sn); close(done) }()
	c, _ := h2.NewClientConn(cn)
	st, body, _, err := call(t, c, "POST", "/echo", []byte("fine"), nil)
	if err != nil || st != 200 || (echoes && body != "fine") {
		t.Fatalf("well-behaved client: %d %q %v", st, body, err)
	}
	c.Close()
	<-done
}

// The handler queue: a client that opens streams and resets them at once
// frees its concurrency slots, but handlers that do not watch their
// context keep running, so the streams queue for a handler. Past four
// times MaxConcurrentStreams queued, GOAWAY ENHANCE_YOUR_CALM.
func TestHandlerQueueCap(t *testing.T) {
	checkGoroutines(t)
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	ts := startServer(t, func(st transport.ServerStream) {
		if string(st.Request().Path()) == "/stuck" {
			<-release
			return
		}
		echo(st)
	}, false, h2.WithMaxConcurrentStreams(2), h2.WithResetLimit(0, 0))
	t.Cleanup(free) // before the server's cleanup, which waits for handlers
	p := dialRaw(t, ts.addr)
	for id := uint32(1); id < 2*(2+4*2+2); id += 2 {
		p.request(id, false, "/stuck")
		p.out = frames.AppendRSTStream(p.out, id, frames.ErrCodeCancel)
	}
	p.flush()
	var debug string
	p.until(func(f *frames.Frame) bool {
		debug = string(f.Data)
		return f.Type == frames.FrameGoAway
	})
	if !strings.Contains(debug, "waiting for a handler") {
		t.Fatalf("GOAWAY %q, want the handler queue's", debug)
	}
	stillServes(t, ts.addr)
	free()
}

// Response heads are not flow controlled: a client that sends request
// after request and never reads makes them pile up behind the blocked
// writer. Past the queue cap (4 MiB here) the server gives up on the
// connection.
func TestResponseQueueCapPeerNotReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		big := strings.Repeat("0123456789abcdef", 256) // 4 KiB, too big to index
		srv := h2.NewServer(transport.HandlerFunc(func(st transport.ServerStream) {
			st.Response().Header.AddString("x-big", big)
			st.Finish(nil)
		}), h2.WithMaxConcurrentStreams(8), h2.WithSettingsTimeout(time.Hour))
		cc, sc := net.Pipe()
		done := make(chan struct{})
		go func() { srv.ServeConn(sc); close(done) }()
		if _, err := cc.Write(clientPreface(false)); err != nil {
			t.Fatal(err)
		}
		p := newRawPeer(t, cc)
		sent := 0
		for id := uint32(1); sent < 4000; id += 2 {
			p.request(id, true, "/")
			if _, err := cc.Write(p.out); err != nil {
				break
			}
			p.out = p.out[:0]
			sent++
			// One at a time: the handler answers before the next
			// request, so no stream is refused.
			synctest.Wait()
		}
		<-done
		if sent > 2*(4<<20)/len(big) {
			t.Fatalf("server took %d requests from a peer that reads nothing", sent)
		}
		cc.Close()
		servedOnPipe(t, srv, false)
		srv.Close()
	})
}
