package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// lineWriter collects output and reports the listen address once serve
// prints it.
type lineWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	addr chan string
}

var listenRE = regexp.MustCompile(`listening on (\S+)`)

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := listenRE.FindStringSubmatch(w.buf.String()); m != nil && w.addr != nil {
		w.addr <- m[1]
		w.addr = nil
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startServe runs serve in the background and returns its address; the
// cleanup cancels it (as SIGINT would) and checks it exited cleanly.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	out := &lineWriter{addr: addrc}
	var errb lineWriter
	code := make(chan int, 1)
	go func() { code <- serve(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), out, &errb) }()
	var addr string
	select {
	case addr = <-addrc:
	case c := <-code:
		cancel()
		t.Fatalf("serve exited %d: %s", c, errb.String())
	}
	t.Cleanup(func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("serve exited %d: %s", c, errb.String())
		}
		if !strings.Contains(out.String(), "shutting down") {
			t.Errorf("no shutdown message: %q", out.String())
		}
	})
	return addr
}

func get(t *testing.T, cc *h2.ClientConn, path string) (int, string, string) {
	t.Helper()
	cs, err := cc.NewStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	r := cs.Request()
	r.SetMethodString("GET")
	r.SetSchemeString("http")
	r.SetAuthorityString("localhost")
	r.SetPathString(path)
	if err := cs.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	resp, err := cs.Response()
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := resp.Header.Get("content-type")
	body, err := io.ReadAll(cs)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Status, string(ct), string(body)
}

func TestServe(t *testing.T) {
	addr := startServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := h2.Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if st, ct, body := get(t, cc, "/healthz"); st != 200 || body != "ok" || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/healthz: %d %q %q", st, ct, body)
	}
	if st, _, _ := get(t, cc, "/nope"); st != 404 {
		t.Fatalf("/nope: %d", st)
	}
	// HTTP/1.1 gets 505 until transport/http1 lands; bytes that are no
	// HTTP at all just get the connection closed.
	for send, want := range map[string]string{
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n": "HTTP/1.1 505 ",
		"INVALID CONNECTION PREFACE\r\n\r\n":       "",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, send)
		got, _ := io.ReadAll(c)
		c.Close()
		if !strings.HasPrefix(string(got), want) || (want == "" && len(got) > 0) {
			t.Errorf("sent %q: got %q", send, got)
		}
	}
}

func TestServeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-cert", "x.pem"},
		{"--tls-self-signed", "--tls-cert", "a", "--tls-key", "b"},
		{"extra"},
		{"--bogus"},
	} {
		var out, errb lineWriter
		if code := serve(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// The EchoService is served on the same port as /healthz, over h2c and TLS.
func TestServeEchoService(t *testing.T) {
	addr := startServe(t, "--tls-self-signed")
	for _, tc := range []struct {
		name string
		opts []rpc.DialOption
	}{
		{"h2c", nil},
		{"tls", []rpc.DialOption{rpc.WithTLSConfig(&tls.Config{InsecureSkipVerify: true})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := rpc.Dial(addr, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := echov1.NewEchoServiceClient(cc).Echo(ctx, &echov1.EchoRequest{Message: "hi", Payload: []byte{1, 2}})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Message != "hi" || string(resp.Payload) != "\x01\x02" {
				t.Fatalf("Echo = %v", resp)
			}
		})
	}
}
