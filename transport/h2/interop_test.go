package h2_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/http2"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// Go's HTTP/2 clients against our server: x/net's http2.Transport over
// h2c, and net/http over TLS.
func TestNetHTTPClients(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, echo, true)
	h2c := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	defer h2c.CloseIdleConnections()
	tlsT := &http.Transport{TLSClientConfig: ts.tlsConfig(t), ForceAttemptHTTP2: true}
	defer tlsT.CloseIdleConnections()
	for _, tc := range []struct {
		name   string
		rt     http.RoundTripper
		scheme string
	}{{"x/net h2c", h2c, "http"}, {"net/http TLS", tlsT, "https"}} {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{Transport: tc.rt}
			for i := 0; i < 5; i++ {
				req, _ := http.NewRequest("POST", tc.scheme+"://localhost:"+port(ts.addr)+"/echo", strings.NewReader("ping"))
				req.Header.Set("x-in", "v1")
				req.Trailer = http.Header{"X-Req-Trailer": {"t1"}}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.ProtoMajor != 2 || resp.StatusCode != 200 || string(body) != "ping" {
					t.Fatalf("got %s %d %q", resp.Proto, resp.StatusCode, body)
				}
				if resp.Header.Get("x-in-echo") != "v1" || resp.Header.Get("x-method") != "POST" {
					t.Fatalf("headers: %v", resp.Header)
				}
				if resp.Trailer.Get("x-status") != "0" || resp.Trailer.Get("x-req-trailer") != "t1" {
					t.Fatalf("trailers: %v", resp.Trailer)
				}
			}
		})
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// netHTTPEcho is echo for net/http servers.
func netHTTPEcho(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Trailer", "X-Status")
	w.Header().Set("X-Path", r.URL.Path)
	io.Copy(w, r.Body)
	w.Header().Set("X-Status", "0")
}

// Our client against Go's HTTP/2 servers: net/http over TLS and x/net's
// h2c server.
func TestClientAgainstNetHTTP(t *testing.T) {
	checkGoroutines(t)
	t.Run("net/http TLS", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(netHTTPEcho))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		conf := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		cc := dial(t, srv.Listener.Addr().String(), h2.WithTLSConfig(conf))
		clientExchanges(t, cc)
		cc.Close()
	})
	t.Run("x/net h2c", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		srv := &http2.Server{}
		served := make(chan struct{})
		go func() {
			defer close(served)
			c, err := l.Accept()
			if err != nil {
				return
			}
			srv.ServeConn(c, &http2.ServeConnOpts{Handler: http.HandlerFunc(netHTTPEcho)})
		}()
		cc := dial(t, l.Addr().String())
		clientExchanges(t, cc)
		cc.Close()
		<-served
	})
}

func clientExchanges(t *testing.T, cc *h2.ClientConn) {
	t.Helper()
	for _, body := range []string{"", "hello", strings.Repeat("x", 1<<20)} {
		st, got, tr, err := call(t, cc, "POST", "/p", []byte(body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if st != 200 || got != body {
			t.Fatalf("got %d, %d bytes, want %d", st, len(got), len(body))
		}
		if v, _ := tr.Get("x-status"); string(v) != "0" {
			t.Fatalf("trailers: %v", tr)
		}
	}
	_ = transport.HTTP2
}
