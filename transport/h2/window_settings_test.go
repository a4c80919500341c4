package h2_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
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
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cc, err := h2.Dial(ctx, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	defer sc.Close()
	// A safety net: with the bug the transfer stalls and this fails the
	// test instead of hanging it.
	sc.SetDeadline(time.Now().Add(10 * time.Second))
	p := newRawPeer(t, sc)
	if err := p.fr.ReadClientPreface(); err != nil {
		t.Fatal(err)
	}
	p.out = frames.AppendSettings(p.out) // server preface: default window
	p.flush()
	p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameSettings && f.IsAck() })

	cs, err := cc.NewStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	r := cs.Request()
	r.SetMethodString("POST")
	r.SetSchemeString("http")
	r.SetAuthorityString("a")
	r.SetPathString("/w")

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
