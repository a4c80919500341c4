package h2_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

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

// link returns the two ends of a connection with a one-way delay and a
// bandwidth, for tests in a synctest bubble: a window-limited transfer
// over it behaves as over a long fat network, deterministically. Once
// either end is closed, wait returns when the link has shut down.
func link(delay time.Duration, bytesPerSec int) (client, server net.Conn, wait func()) {
	c1, c2 := net.Pipe()
	s1, s2 := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { forward(c2, s2, delay, bytesPerSec) })
	wg.Go(func() { forward(s2, c2, delay, bytesPerSec) })
	return c1, s1, wg.Wait
}

// forward carries what src reads to dst: each chunk leaves once the link
// has sent those before it at its bandwidth, and arrives delay later.
func forward(src, dst net.Conn, delay time.Duration, bytesPerSec int) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 1<<16)
	go func() {
		defer close(ch)
		free := time.Now()
		for {
			buf := make([]byte, 16<<10)
			n, err := src.Read(buf)
			if n > 0 {
				if now := time.Now(); now.After(free) {
					free = now
				}
				free = free.Add(time.Duration(n) * time.Second / time.Duration(bytesPerSec))
				ch <- chunk{buf[:n], free.Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	// Closing either pipe end ends both directions, and so the far side.
	dst.Close()
	src.Close()
	for range ch {
	}
}

// BDP estimation grows the receive windows of a connection that a bulk
// transfer keeps full, past the initial window; a window set by
// WithInitialWindowSize stays as set. The link (10ms each way, 100 MB/s)
// has a bandwidth-delay product of 2 MB, far above the initial window.
func TestBDPWindowGrowth(t *testing.T) {
	const size = 4 << 20
	chunk := bytes.Repeat([]byte("b"), 64<<10)
	bulk := func(st transport.ServerStream) {
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := st.Write(chunk); err != nil {
				return
			}
		}
		st.Finish(nil)
	}
	run := func(t *testing.T, opts ...h2.Option) (stream, conn int64) {
		synctest.Test(t, func(t *testing.T) {
			srv := h2.NewServer(transport.HandlerFunc(bulk))
			cn, sn, wait := link(10*time.Millisecond, 100<<20)
			done := make(chan struct{})
			go func() { srv.ServeConn(sn); close(done) }()
			cc, _ := h2.NewClientConn(cn, opts...)
			start := time.Now()
			download(t, cc, size)
			stream, conn = cc.RecvWindows()
			t.Logf("%d MiB in %v: stream window %d, connection window %d", size>>20, time.Since(start), stream, conn)
			cc.Close()
			<-done
			srv.Close()
			wait()
		})
		return stream, conn
	}
	t.Run("estimated", func(t *testing.T) {
		if sw, _ := run(t); sw <= h2.DefaultInitialWindowSize {
			t.Errorf("stream window %d did not grow past %d", sw, h2.DefaultInitialWindowSize)
		}
	})
	t.Run("fixed", func(t *testing.T) {
		sw, cw := run(t, h2.WithInitialWindowSize(64<<10))
		if sw != 64<<10 || cw != h2.DefaultInitialConnWindowSize {
			t.Errorf("windows %d/%d, want the configured %d/%d", sw, cw, 64<<10, h2.DefaultInitialConnWindowSize)
		}
	})
}
