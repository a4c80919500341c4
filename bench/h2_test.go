package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"golang.org/x/net/http2"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// HTTP/2 round trips: Shockwave's client and server (transport/h2) against
// x/net/http2's (net/http's HTTP/2) client and server over h2c, both on
// loopback in this process. Compare with `benchstat -col /impl`.

// netUnary is the net/http handler of the unary exchange.
func netUnary(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Trailer", "Grpc-Status")
	w.Write(respBody)
	w.Header().Set("Grpc-Status", "0")
}

// unaryClient performs the unary exchange with one implementation.
type unaryClient interface {
	call(b *testing.B)
}

type swClient struct{ cc *h2.ClientConn }

func (c swClient) call(b *testing.B) {
	cs, err := c.cc.NewStream(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	r := cs.Request()
	r.SetMethodString("POST")
	r.SetSchemeString("http")
	r.SetAuthorityString("localhost")
	r.SetPathString("/grpc.testing.TestService/UnaryCall")
	r.Header.AddString("content-type", "application/grpc")
	r.Header.AddString("te", "trailers")
	if _, err := cs.Write(reqBody); err != nil {
		b.Fatal(err)
	}
	if err := cs.CloseSend(nil); err != nil {
		b.Fatal(err)
	}
	if _, err := cs.Response(); err != nil {
		b.Fatal(err)
	}
	buf := readBufs.Get().(*[]byte)
	n := 0
	for {
		m, err := cs.Read(*buf)
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	readBufs.Put(buf)
	if v, _ := cs.Trailers().Get("grpc-status"); n != len(respBody) || string(v) != "0" {
		b.Fatalf("got %d bytes, grpc-status %q", n, v)
	}
	cs.Close()
}

type netClient struct {
	c   *http.Client
	url string
}

func (c netClient) call(b *testing.B) {
	req, _ := http.NewRequest("POST", c.url, bytes.NewReader(reqBody))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	resp, err := c.c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	buf := readBufs.Get().(*[]byte)
	n := 0
	for {
		m, err := resp.Body.Read(*buf)
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	readBufs.Put(buf)
	resp.Body.Close()
	if n != len(respBody) || resp.Trailer.Get("Grpc-Status") != "0" {
		b.Fatalf("got %d bytes, trailers %v", n, resp.Trailer)
	}
}

// startImpl starts a server and a client of one implementation over
// loopback and returns the client and a cleanup.
func startImpl(b *testing.B, impl string) (unaryClient, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	switch impl {
	case "shockwave":
		srv := &transport.Server{H2: h2.NewServer(transport.HandlerFunc(swUnary))}
		go srv.Serve(l)
		cc, err := h2.Dial(context.Background(), l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		return swClient{cc}, func() { cc.Close(); srv.Close() }
	default:
		srv := &http2.Server{}
		var conns sync.WaitGroup
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns.Add(1)
				go func() {
					defer conns.Done()
					srv.ServeConn(c, &http2.ServeConnOpts{Handler: http.HandlerFunc(netUnary)})
				}()
			}
		}()
		tr := &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}
		return netClient{&http.Client{Transport: tr}, "http://" + l.Addr().String() + "/grpc.testing.TestService/UnaryCall"},
			func() { tr.CloseIdleConnections(); l.Close() }
	}
}

var impls = []string{"shockwave", "nethttp"}

// BenchmarkH2Unary: one call at a time, client and server in process.
func BenchmarkH2Unary(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl, func(b *testing.B) {
			c, stop := startImpl(b, impl)
			defer stop()
			c.call(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.call(b)
			}
		})
	}
}

// BenchmarkH2UnaryParallel: GOMAXPROCS*4 callers share one connection.
func BenchmarkH2UnaryParallel(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl, func(b *testing.B) {
			c, stop := startImpl(b, impl)
			defer stop()
			c.call(b)
			b.ReportAllocs()
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.call(b)
				}
			})
		})
	}
}

// BenchmarkH2Server measures the server side alone: the same raw,
// allocation-free client drives each server over net.Pipe, so allocs/op is
// the server's.
func BenchmarkH2Server(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl, func(b *testing.B) {
			var serve func(net.Conn)
			if impl == "shockwave" {
				s := h2.NewServer(transport.HandlerFunc(swUnary))
				serve = s.ServeConn
			} else {
				s := &http2.Server{}
				serve = func(c net.Conn) {
					s.ServeConn(c, &http2.ServeConnOpts{Handler: http.HandlerFunc(netUnary)})
				}
			}
			d, stop := newPipeDriver(b, serve)
			defer stop()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.roundTrip(b)
			}
		})
	}
}
