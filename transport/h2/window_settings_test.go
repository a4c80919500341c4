package h2_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// A client stream made before the server's SETTINGS_INITIAL_WINDOW_SIZE
// arrives, but opened (first write) after it, must send with the new
// window: the server counts that window from the moment the stream opens
// (RFC 9113 §6.9.2). The client used to keep the window in force when
// NewStream ran, so it stopped at 65,535 bytes while the server, having
// consumed less than its credit threshold, sent no WINDOW_UPDATE: both
// sides waited forever (seen in grpc's channel_soak interop case).
func TestStreamOpenedAfterWindowSettingsUsesNewWindow(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// With the bug the transfer stalls: the socket's deadline fails the
	// test instead of hanging it.
	cc, p := acceptRaw(t, ctx, 10*time.Second)
	p.out = frames.AppendSettings(p.out) // server preface: default window
	p.flush()
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameSettings && f.IsAck() })

	cs := openPOST(t, cc, ctx, "/w")
	defer cs.Close()

	// Now the window grows, and the connection window with it.
	const window = 256 << 10
	p.out = frames.AppendSettings(p.out, frames.Setting{ID: frames.SettingInitialWindowSize, Val: window})
	p.out = frames.AppendWindowUpdate(p.out, 0, 1<<20)
	p.flush()
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameSettings && f.IsAck() })

	const body = 200 << 10 // more than 65,535, less than the new window
	werr := make(chan error, 1)
	go func() {
		_, err := cs.Write(make([]byte, body))
		if err == nil {
			err = cs.CloseSend(nil)
		}
		werr <- err
	}()
	got := 0
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameData && f.StreamID == 1 {
			got += len(f.Data)
			return f.StreamEnded()
		}
		return false
	})
	if got != body {
		t.Fatalf("received %d body bytes, want %d", got, body)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
}

// The mirror case on the receive side: a client stream made before a BDP
// estimate grows SETTINGS_INITIAL_WINDOW_SIZE, but opened after it, must
// take the grown window. The server applies the SETTINGS to the stream
// either way (it opens after them, or is open when they arrive), so it may
// send up to the new window. The client used to keep the window in force
// at NewStream and reset the stream with FLOW_CONTROL_ERROR (seen once in
// ~1000 runs of rpc's TestCancelledStreamsReleaseConnection under load).
func TestStreamOpenedAfterWindowGrowthUsesNewWindow(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cc, p := acceptRaw(t, ctx, 10*time.Second)
	p.out = frames.AppendSettings(p.out)
	p.flush()
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameSettings && f.IsAck() })

	newStream := func() transport.ClientStream {
		t.Helper()
		cs, err := cc.NewStream(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := cs.Request()
		r.SetMethodString("GET")
		r.SetSchemeString("http")
		r.SetAuthorityString("a")
		r.SetPathString("/w")
		return cs
	}
	const w0 = h2.DefaultInitialWindowSize
	data := func(id uint32, n int, end bool) {
		p.out = frames.AppendHeaders(p.out, id, false, p.block(":status", "200"), 0)
		for sent := 0; sent < n; sent += 16 << 10 {
			p.out = frames.AppendData(p.out, id, end && sent+16<<10 >= n, make([]byte, min(16<<10, n-sent)))
		}
		p.flush()
	}
	for range 2 {
		cs := newStream()
		defer cs.Close()
		if err := cs.CloseSend(nil); err != nil {
			t.Fatal(err)
		}
	}
	pending := newStream() // made now, opened after the growth
	defer pending.Close()

	// A window's worth on stream 1 starts a BDP sample; half a window
	// more on stream 3 before the PING's ACK makes the estimate a little
	// over one window, so the client grows its stream window.
	data(1, w0, false)
	var ping [8]byte
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FramePing && !f.IsAck() {
			ping = f.PingData()
			return true
		}
		return false
	})
	data(3, w0/2, false)
	p.out = frames.AppendPing(p.out, true, ping)
	p.flush()
	var w1 int
	p.until(func(f *frames.Frame) bool {
		if f.Type != frames.FrameSettings || f.IsAck() {
			return false
		}
		for i := range f.NumSettings() {
			if s := f.Setting(i); s.ID == frames.SettingInitialWindowSize {
				w1 = int(s.Val)
			}
		}
		return w1 > 0
	})
	if w1 <= w0 {
		t.Fatalf("window grew to %d, want more than %d", w1, w0)
	}

	if err := pending.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameHeaders && f.StreamID == 5 })
	data(5, w1, true) // within the window the server holds for stream 5
	// Nothing reads stream 5 (which would credit its window) until the
	// client has taken in all of it: it answers a PING sent after the
	// DATA only once it has.
	barrier := [8]byte{'b', 'a', 'r', 'r', 'i', 'e', 'r'}
	p.out = frames.AppendPing(p.out, false, barrier)
	p.flush()
	p.until(func(f *frames.Frame) bool {
		if f.Type == frames.FrameRSTStream {
			t.Errorf("client reset stream %d: %v", f.StreamID, f.ErrCode)
		}
		return f.Type == frames.FramePing && f.IsAck() && f.PingData() == barrier
	})
	if _, err := pending.Response(); err != nil {
		t.Fatal(err)
	}
	got, err := io.Copy(io.Discard, pending)
	if err != nil || got != int64(w1) {
		t.Fatalf("read %d of %d body bytes: %v", got, w1, err)
	}
}
