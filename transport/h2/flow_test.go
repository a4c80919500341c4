package h2_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// download reads size bytes from a server that writes them as fast as the
// windows let it.
func download(t *testing.T, cc *h2.ClientConn, size int) {
	t.Helper()
	cs, err := cc.NewStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	r := cs.Request()
	r.SetMethodString("GET")
	r.SetSchemeString("http")
	r.SetAuthorityString("a")
	r.SetPathString("/bulk")
	if err := cs.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, readerFunc(cs.Read))
	if err != nil || n != int64(size) {
		t.Fatalf("downloaded %d bytes, %v; want %d", n, err, size)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// BDP estimation grows the receive windows of a connection that a bulk
// transfer keeps full, past the initial 64 KiB; a window set by
// WithInitialWindowSize stays as set.
func TestBDPWindowGrowth(t *testing.T) {
	checkGoroutines(t)
	const size = 8 << 20
	chunk := bytes.Repeat([]byte("b"), 64<<10)
	ts := startServer(t, func(st transport.ServerStream) {
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := st.Write(chunk); err != nil {
				return
			}
		}
		st.Finish(nil)
	}, false)

	t.Run("estimated", func(t *testing.T) {
		cc := dial(t, ts.addr)
		download(t, cc, size)
		sw, cw := cc.RecvWindows()
		t.Logf("windows after %d MiB: stream %d, connection %d", size>>20, sw, cw)
		if sw <= h2.DefaultInitialWindowSize {
			t.Errorf("stream window %d did not grow past %d", sw, h2.DefaultInitialWindowSize)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		cc := dial(t, ts.addr, h2.WithInitialWindowSize(64<<10))
		download(t, cc, size)
		sw, cw := cc.RecvWindows()
		if sw != 64<<10 || cw != h2.DefaultInitialConnWindowSize {
			t.Errorf("windows %d/%d, want the configured %d/%d", sw, cw, 64<<10, h2.DefaultInitialConnWindowSize)
		}
	})
}
