package h2_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// checkGoroutines fails the test if goroutines started during it are still
// running after it ends. Call it first: cleanups run last-in first-out, so
// this one runs after those that close servers and connections.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// testServer serves h on a loopback listener through transport.Server (so
// connections are sniffed exactly as in production) and closes it when the
// test ends.
type testServer struct {
	addr    string
	srv     *transport.Server
	h2      *h2.Server
	certPEM []byte
	done    chan error
}

func startServer(t *testing.T, h transport.HandlerFunc, tlsOn bool, opts ...h2.Option) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: l.Addr().String(), h2: h2.NewServer(h, opts...), done: make(chan error, 1)}
	ts.srv = &transport.Server{H2: ts.h2}
	if tlsOn {
		conf, pem, err := transport.SelfSignedTLS()
		if err != nil {
			t.Fatal(err)
		}
		ts.srv.TLSConfig, ts.certPEM = conf, pem
	}
	go func() { ts.done <- ts.srv.Serve(l) }()
	t.Cleanup(func() {
		ts.srv.Close()
		if err := <-ts.done; !errors.Is(err, transport.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

func (ts *testServer) tlsConfig(t *testing.T) *tls.Config {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ts.certPEM) {
		t.Fatal("bad PEM")
	}
	return &tls.Config{RootCAs: pool, ServerName: "localhost"}
}

func dial(t *testing.T, addr string, opts ...h2.Option) *h2.ClientConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := h2.Dial(ctx, addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// call makes one request and returns the response status, body and
// trailers.
func call(t *testing.T, cc transport.ClientConn, method, path string, body []byte, trailers *transport.Header) (int, string, *transport.Header, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs, err := cc.NewStream(ctx)
	if err != nil {
		return 0, "", nil, err
	}
	defer cs.Close()
	r := cs.Request()
	r.SetMethodString(method)
	r.SetSchemeString("http")
	r.SetAuthorityString("test")
	r.SetPathString(path)
	// Send while receiving: an echoing server answers as it reads, and a
	// body larger than the windows would otherwise stall both sides.
	sent := make(chan error, 1)
	go func() {
		if len(body) > 0 {
			if _, err := cs.Write(body); err != nil {
				sent <- err
				return
			}
		}
		sent <- cs.CloseSend(trailers)
	}()
	defer func() { <-sent }()
	resp, err := cs.Response()
	if err != nil {
		return 0, "", nil, err
	}
	status := resp.Status
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := cs.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			return status, sb.String(), nil, err
		}
	}
	if err := <-sent; err != nil {
		sent <- nil
		return status, sb.String(), nil, err
	}
	sent <- nil
	var tr transport.Header
	tr.CopyFrom(cs.Trailers())
	return status, sb.String(), &tr, nil
}
