package h2_test

import (
	"context"
	"encoding/binary"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// flowPeer is a rawPeer that keeps the send windows the other side grants,
// so that it can send exactly as much DATA as flow control allows and see
// when the credit stops.
type flowPeer struct {
	*rawPeer
	conn   int64            // connection send window
	init   int64            // the other side's SETTINGS_INITIAL_WINDOW_SIZE
	win    map[uint32]int64 // stream send windows
	credit int64            // sum of the WINDOW_UPDATE increments on stream 0
	pings  uint64
}

func newFlowPeer(p *rawPeer) *flowPeer {
	return &flowPeer{rawPeer: p, conn: 65535, init: 65535, win: make(map[uint32]int64)}
}

var zeros = make([]byte, 16<<10)

func (p *flowPeer) handle(f *frames.Frame) {
	switch f.Type {
	case frames.FrameSettings:
		if v, ok := f.SettingValue(frames.SettingInitialWindowSize); ok && !f.IsAck() {
			// RFC 9113 §6.9.2: the change applies to open streams.
			for id := range p.win {
				p.win[id] += int64(v) - p.init
			}
			p.init = int64(v)
		}
	case frames.FrameWindowUpdate:
		if f.StreamID == 0 {
			p.conn += int64(f.Increment)
			p.credit += int64(f.Increment)
		} else if _, ok := p.win[f.StreamID]; ok {
			p.win[f.StreamID] += int64(f.Increment)
		}
	}
}

// until is rawPeer.until keeping the windows.
func (p *flowPeer) until(match func(f *frames.Frame) bool) {
	p.t.Helper()
	p.rawPeer.until(func(f *frames.Frame) bool {
		p.handle(f)
		return match(f)
	})
}

// sync sends a PING and reads until its ACK. The other side handles frames
// in order, and queues the WINDOW_UPDATEs it sends on receipt of DATA
// while handling it, so after sync every credit granted for what was sent
// before is counted.
func (p *flowPeer) sync() {
	p.t.Helper()
	p.pings++
	var d [8]byte
	binary.BigEndian.PutUint64(d[:], p.pings)
	p.out = frames.AppendPing(p.out, false, d)
	p.flush()
	p.until(func(f *frames.Frame) bool {
		return f.Type == frames.FramePing && f.IsAck() && f.PingData() == d
	})
}

func (p *flowPeer) open(id uint32) { p.win[id] = p.init }

// fill sends DATA on ids, round robin, as long as the windows allow,
// syncing after each round for the credit it brought, and returns the
// bytes sent once a round sends nothing.
func (p *flowPeer) fill(ids []uint32) int64 {
	p.t.Helper()
	var total int64
	for {
		var sent int64
		for progress := true; progress; {
			progress = false
			for _, id := range ids {
				k := min(p.conn, p.win[id], int64(len(zeros)))
				if k <= 0 {
					continue
				}
				p.out = frames.AppendData(p.out, id, false, zeros[:k])
				p.conn -= k
				p.win[id] -= k
				sent += k
				progress = true
			}
		}
		p.sync()
		if sent == 0 {
			return total
		}
		total += sent
	}
}

// startFlowClient connects a flowPeer as client to ts and learns the
// server's windows.
func startFlowClient(t *testing.T, ts *testServer) *flowPeer {
	t.Helper()
	p := newFlowPeer(dialRaw(t, ts.addr))
	p.sync()
	return p
}

// openHeld opens n streams on path (handlers that do not read) and returns
// their IDs, the next free ID after them.
func (p *flowPeer) openHeld(n int, path string) (ids []uint32, next uint32) {
	for i := 0; i < n; i++ {
		id := uint32(2*i + 1)
		p.request(id, false, path)
		p.open(id)
		ids = append(ids, id)
	}
	p.flush()
	return ids, uint32(2*n + 1)
}

// echoCall sends a request with body on a new stream id to /echo and
// returns the response body.
func (p *flowPeer) echoCall(id uint32, body string) string {
	p.t.Helper()
	p.request(id, false, "/echo")
	p.open(id)
	if p.conn < int64(len(body)) {
		p.t.Fatalf("connection window %d, too small for the request", p.conn)
	}
	p.out = frames.AppendData(p.out, id, true, []byte(body))
	p.conn -= int64(len(body))
	p.flush()
	var got []byte
	p.until(func(f *frames.Frame) bool {
		if f.StreamID != id {
			return false
		}
		if f.Type == frames.FrameRSTStream {
			p.t.Fatalf("stream %d reset: %v", id, f.ErrCode)
		}
		if f.Type == frames.FrameData {
			got = append(got, f.Data...)
		}
		return f.StreamEnded()
	})
	return string(got)
}

// A client opens many streams whose handlers do not read and sends all the
// DATA the windows allow: the server buffers at least the cap, never the
// cap plus a connection window, and grants no connection credit past the
// cap. Then reading, returning or a reset brings the unread bytes under
// the cap, the held credit goes out, and a new stream completes.
func TestBufferedCapServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []h2.Option
		bufCap int
	}{
		{"explicit", []h2.Option{h2.WithMaxBufferedBytes(1 << 20)}, 1 << 20},
		// 4 MiB: four default connection windows.
		{"default", nil, 4 * h2.DefaultInitialConnWindowSize},
	} {
		for _, release := range []string{"read", "return", "reset"} {
			t.Run(tc.name+"/"+release, func(t *testing.T) {
				testBufferedCapServer(t, tc.opts, tc.bufCap, release)
			})
		}
	}
}

func testBufferedCapServer(t *testing.T, opts []h2.Option, bufCap int, release string) {
	checkGoroutines(t)
	free := make(chan struct{})
	var once sync.Once
	freeHeld := func() { once.Do(func() { close(free) }) }
	ts := startServer(t, func(st transport.ServerStream) {
		if string(st.Request().Path()) != "/hold" {
			echo(st)
			return
		}
		// The context is not watched: only dropping the body of a reset
		// stream, not the handler's return, can free it.
		<-free
		if release == "read" {
			io.Copy(io.Discard, readerFunc(st.Read))
		}
	}, false, opts...)
	t.Cleanup(freeHeld) // before the server's cleanup, which waits for handlers

	p := startFlowClient(t, ts)
	_, window := ts.h2.RecvBuffered()
	// Enough stream windows that the connection window is what runs out.
	n := int(2*(int64(bufCap)+window)/p.init) + 1
	ids, next := p.openHeld(n, "/hold")
	total := p.fill(ids)
	unread, window := ts.h2.RecvBuffered()
	t.Logf("%d streams; sent %d; server holds %d unread, cap %d, window %d", n, total, unread, bufCap, window)
	if int64(unread) != total {
		t.Fatalf("server holds %d unread bytes, sent %d, and no handler reads", unread, total)
	}
	if unread < bufCap || int64(unread) >= int64(bufCap)+window {
		t.Fatalf("server holds %d unread bytes; want the cap %d, less than the cap plus the window %d", unread, bufCap, window)
	}
	if p.conn != 0 {
		t.Fatalf("client still has %d bytes of connection window after sending all it could", p.conn)
	}
	credit := p.credit
	p.sync()
	if p.credit != credit {
		t.Fatalf("server granted %d bytes of connection credit at the cap", p.credit-credit)
	}

	switch release {
	case "read", "return":
		freeHeld()
	case "reset":
		for _, id := range ids {
			p.out = frames.AppendRSTStream(p.out, id, frames.ErrCodeCancel)
		}
		p.flush()
	}
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameWindowUpdate && f.StreamID == 0 })
	if unread, _ := ts.h2.RecvBuffered(); unread >= bufCap {
		t.Fatalf("connection credit with %d bytes unread, at the cap %d", unread, bufCap)
	}
	if got := p.echoCall(next, "after the cap"); got != "after the cap" {
		t.Fatalf("new stream after the cap: %q", got)
	}
}

// Below the cap nothing changes: connection credit goes out as DATA
// arrives, whether or not handlers read, in batches of a quarter window.
// With the cap off, that goes on past where the default cap would stop.
func TestBufferedCapCreditsOnReceipt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []h2.Option
		streams int
		bytes   int64 // per stream
	}{
		{"default", nil, 2, 192 << 10},
		{"off", []h2.Option{h2.WithMaxBufferedBytes(0)}, 24, h2.DefaultInitialWindowSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			free := make(chan struct{})
			ts := startServer(t, func(st transport.ServerStream) {
				select {
				case <-free:
				case <-st.Context().Done():
				}
			}, false, tc.opts...)
			t.Cleanup(func() { close(free) })
			p := startFlowClient(t, ts)
			ids, _ := p.openHeld(tc.streams, "/hold")
			for _, id := range ids {
				p.win[id] = min(p.win[id], tc.bytes)
			}
			credit := p.credit
			total := p.fill(ids)
			if want := int64(tc.streams) * tc.bytes; total != want {
				t.Fatalf("sent %d bytes, want %d: the server stopped the connection window", total, want)
			}
			unread, window := ts.h2.RecvBuffered()
			if int64(unread) != total {
				t.Fatalf("server holds %d unread bytes, sent %d", unread, total)
			}
			// All but less than a batch (a quarter window) came back.
			if got := p.credit - credit; got <= total-window/4 || got > total {
				t.Fatalf("connection credit %d for %d bytes received (window %d), none read", got, total, window)
			}
		})
	}
}

// The client side shares the connection code: response bodies its callers
// do not read stop the connection credit at the cap, and closing those
// streams brings it back.
func TestBufferedCapClient(t *testing.T) {
	checkGoroutines(t)
	const bufCap = 512 << 10
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cc, raw := acceptRaw(t, ctx, 20*time.Second, h2.WithMaxBufferedBytes(bufCap))
	p := newFlowPeer(raw)
	p.out = frames.AppendSettings(p.out)
	p.sync()

	newStream := func(path string) transport.ClientStream {
		cs, err := cc.NewStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := cs.Request()
		r.SetMethodString("GET")
		r.SetSchemeString("http")
		r.SetAuthorityString("a")
		r.SetPathString(path)
		if err := cs.CloseSend(nil); err != nil {
			t.Fatal(err)
		}
		return cs
	}
	const n = 8
	var streams []transport.ClientStream
	var ids []uint32
	for i := 0; i < n; i++ {
		streams = append(streams, newStream("/"+strconv.Itoa(i)))
		ids = append(ids, uint32(2*i+1))
	}
	defer func() {
		for _, cs := range streams {
			cs.Close()
		}
	}()
	heads := 0
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameHeaders {
			heads++
		}
		return heads == n
	})
	for _, id := range ids {
		p.out = frames.AppendHeaders(p.out, id, false, p.block(":status", "200"), 0)
		p.open(id)
	}
	total := p.fill(ids)
	unread, window := cc.RecvBuffered()
	t.Logf("sent %d; client holds %d unread, cap %d, window %d", total, unread, bufCap, window)
	if int64(unread) != total || unread < bufCap || int64(unread) >= bufCap+window {
		t.Fatalf("client holds %d unread bytes of %d sent; want the cap %d, less than the cap plus the window %d", unread, total, bufCap, window)
	}
	if p.conn != 0 {
		t.Fatalf("server still has %d bytes of connection window", p.conn)
	}

	// Closing all but one stream drops their bodies: the credit resumes.
	for _, cs := range streams[1:] {
		cs.Close()
	}
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameWindowUpdate && f.StreamID == 0 })
	if unread, _ := cc.RecvBuffered(); unread >= bufCap {
		t.Fatalf("connection credit with %d bytes unread, at the cap %d", unread, bufCap)
	}

	// A new stream completes, and so does the one kept, read to the end.
	cs := newStream("/new")
	streams = append(streams, cs)
	id := uint32(2*n + 1)
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameHeaders && f.StreamID == id })
	p.out = frames.AppendHeaders(p.out, id, false, p.block(":status", "200"), 0)
	p.out = frames.AppendData(p.out, id, true, []byte("pong"))
	p.out = frames.AppendData(p.out, ids[0], true, nil)
	p.flush()
	if body, err := io.ReadAll(readerFunc(cs.Read)); err != nil || string(body) != "pong" {
		t.Fatalf("new stream: %q %v", body, err)
	}
	sent := p.init - p.win[ids[0]]
	if got, err := io.Copy(io.Discard, readerFunc(streams[0].Read)); err != nil || got != sent {
		t.Fatalf("kept stream: read %d bytes, %v; %d were sent", got, err, sent)
	}
}
