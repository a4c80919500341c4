package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingServer is a ConnServer that reads the first line it is given and
// answers with its own name, so a test sees which server got the connection
// and that the sniffed bytes were replayed.
type recordingServer struct {
	name  string
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (r *recordingServer) ServeConn(c net.Conn) {
	r.mu.Lock()
	if r.conns == nil {
		r.conns = map[net.Conn]struct{}{}
	}
	r.conns[c] = struct{}{}
	r.wg.Add(1)
	r.mu.Unlock()
	defer r.wg.Done()
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	io.WriteString(c, r.name+" "+line)
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, c)
}

func (r *recordingServer) Shutdown(ctx context.Context) error { return r.Close() }

func (r *recordingServer) Close() error {
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

func startServer(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, send string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

func TestServeSniffsCleartext(t *testing.T) {
	checkGoroutines(t)
	h2, h1 := &recordingServer{name: "h2"}, &recordingServer{name: "h1"}
	addr := startServer(t, &Server{H2: h2, HTTP1: h1})

	for _, tc := range []struct{ send, want string }{
		{ClientPreface + "hello\n", "h2 PRI * HTTP/2.0\r\n"},
		{"GET / HTTP/1.1\r\n\r\n", "h1 GET / HTTP/1.1\r\n"},
		{"PRI * HTTP/1.1\r\n", "h1 PRI * HTTP/1.1\r\n"}, // diverges from the preface late
		{"P\n", "h1 P\n"}, // shorter than the preface
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		got := roundTrip(t, c, tc.send)
		c.Close()
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("sent %q: got %q, want prefix %q", tc.send, got, tc.want)
		}
	}
}

func TestServeWithoutHTTP1Answers505(t *testing.T) {
	checkGoroutines(t)
	addr := startServer(t, &Server{H2: &recordingServer{name: "h2"}})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := roundTrip(t, c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 505 ") || !strings.HasSuffix(got, "(h2, h2c)\n") {
		t.Fatalf("got %q", got)
	}
	// Junk that is neither the HTTP/2 preface nor an HTTP/1.x request line
	// gets the connection closed without an answer (h2spec 3.5 #2).
	for _, junk := range []string{"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", "\x00\x01garbage\n"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := roundTrip(t, c, junk); got != "" {
			t.Errorf("junk %q answered with %q", junk, got)
		}
		c.Close()
	}
}

func TestServeTLSALPN(t *testing.T) {
	checkGoroutines(t)
	conf, certPEM, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	h2, h1 := &recordingServer{name: "h2"}, &recordingServer{name: "h1"}
	addr := startServer(t, &Server{H2: h2, HTTP1: h1, TLSConfig: conf})
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("bad PEM")
	}
	for _, tc := range []struct {
		alpn []string
		want string
	}{{[]string{"h2"}, "h2 x\n"}, {[]string{"http/1.1"}, "h1 x\n"}, {nil, "h1 x\n"}} {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: tc.alpn})
		if err != nil {
			t.Fatal(err)
		}
		got := roundTrip(t, c, "x\n")
		c.Close()
		if got != tc.want {
			t.Errorf("ALPN %v: got %q, want %q", tc.alpn, got, tc.want)
		}
	}
	// A cleartext client still gets served on the TLS-enabled port.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := roundTrip(t, c, ClientPreface); !strings.HasPrefix(got, "h2 PRI") {
		t.Fatalf("h2c on TLS port: got %q", got)
	}
}

// A connection that never says anything is dropped after SniffTimeout, and
// Close does not wait for it.
func TestServeSniffTimeoutAndClose(t *testing.T) {
	checkGoroutines(t)
	addr := startServer(t, &Server{H2: &recordingServer{name: "h2"}, SniffTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("silent connection was not closed")
	}
}

// checkGoroutines fails the test if goroutines started during it are still
// running once it ends. Call it first: cleanups run last-in first-out, so
// this one runs after the servers' own.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}
