package transport

import (
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// emfileListener fails its first n Accepts with EMFILE, as accept(2) does
// when the process is out of file descriptors, then accepts normally.
type emfileListener struct {
	net.Listener
	n atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// Running out of file descriptors is temporary: Serve must back off and go
// on accepting, as net/http and grpc-go do, not stop serving for good.
func TestServeSurvivesEMFILE(t *testing.T) {
	checkGoroutines(t)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &emfileListener{Listener: inner}
	l.n.Store(3)
	s := &Server{H2: &recordingServer{name: "h2"}}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		inner.Close()
		t.Fatalf("Serve returned %v on a temporary EMFILE accept error; it stopped accepting for good", err)
	case <-time.After(500 * time.Millisecond):
	}
	c, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if got := roundTrip(t, c, ClientPreface); got != "h2 PRI * HTTP/2.0\r\n" {
		t.Errorf("after EMFILE: got %q", got)
	}
	c.Close()
	s.Close()
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
}
