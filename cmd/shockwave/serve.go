package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// serveHandler answers the built-in paths: GET /healthz is "ok", anything
// else 404. The RPC services join it when the rpc layer lands. The bodies
// and values are package-level so that serving allocates nothing.
var (
	bodyOK       = []byte("ok")
	bodyNotFound = []byte("404 page not found\n")
	bodyMethod   = []byte("405 method not allowed\n")
)

func serveHandler(st transport.ServerStream) {
	req := st.Request()
	resp := st.Response()
	h := &resp.Header
	h.AddString("content-type", "text/plain; charset=utf-8")
	var body []byte
	switch {
	case string(req.Path()) != "/healthz":
		resp.Status, body = 404, bodyNotFound
	case string(req.Method()) != "GET" && string(req.Method()) != "HEAD":
		resp.Status, body = 405, bodyMethod
		h.AddString("allow", "GET, HEAD")
	default:
		resp.Status, body = 200, bodyOK
	}
	if string(req.Method()) == "HEAD" {
		st.Finish(nil)
		return
	}
	st.Write(body)
	st.Finish(nil)
}

// serve runs `shockwave serve` until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port)")
	selfSigned := fs.Bool("tls-self-signed", false, "also serve TLS with a generated self-signed certificate")
	certFile := fs.String("tls-cert", "", "TLS certificate file (PEM)")
	keyFile := fs.String("tls-key", "", "TLS key file (PEM)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "shockwave serve: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if (*certFile == "") != (*keyFile == "") || (*selfSigned && *certFile != "") {
		fmt.Fprintln(stderr, "shockwave serve: use --tls-self-signed, or both --tls-cert and --tls-key")
		return 2
	}
	var tlsConf *tls.Config
	switch {
	case *selfSigned:
		conf, _, err := transport.SelfSignedTLS()
		if err != nil {
			fmt.Fprintf(stderr, "shockwave serve: %v\n", err)
			return 1
		}
		tlsConf = conf
	case *certFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "shockwave serve: %v\n", err)
			return 1
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "shockwave serve: %v\n", err)
		return 1
	}
	srv := &transport.Server{
		H2:        h2.NewServer(transport.HandlerFunc(serveHandler)),
		HTTP1:     &http1Refuser{},
		TLSConfig: tlsConf,
	}
	mode := "h2c"
	if tlsConf != nil {
		mode = "h2c and TLS (h2)"
	}
	fmt.Fprintf(stdout, "shockwave serve: listening on %s (%s)\n", l.Addr(), mode)

	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "shockwave serve: %v\n", err)
		srv.Close()
		return 1
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shockwave serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	serr := srv.Shutdown(sctx)
	if err := <-done; !errors.Is(err, transport.ErrServerClosed) {
		fmt.Fprintf(stderr, "shockwave serve: %v\n", err)
		return 1
	}
	if serr != nil {
		fmt.Fprintf(stderr, "shockwave serve: shutdown: %v\n", serr)
		return 1
	}
	return 0
}

// http1Refuser is the HTTP/1.1 side of `shockwave serve` until
// transport/http1 lands: it answers a real HTTP/1.x request line with 505
// and closes anything else without a word. The transport.Server default
// answers every non-HTTP/2 connection with 505, but bytes that are neither
// the HTTP/2 preface nor an HTTP/1 request are no protocol we speak, and
// RFC 9113 §3.4 wants such a connection simply closed (h2spec 3.5 #2).
type http1Refuser struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (h *http1Refuser) ServeConn(c net.Conn) {
	h.mu.Lock()
	if h.conns == nil {
		h.conns = make(map[net.Conn]struct{})
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		h.wg.Done()
	}()
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReaderSize(io.LimitReader(c, 8<<10), 8<<10).ReadSlice('\n')
	if err != nil || !isHTTP1RequestLine(line) {
		return
	}
	// RFC 9110 §15.6.6: 505 for a version we do not serve.
	io.WriteString(c, "HTTP/1.1 505 HTTP Version Not Supported\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 41\r\nConnection: close\r\n\r\n"+
		"this server speaks HTTP/2 only (h2, h2c)\n")
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.CopyN(io.Discard, c, 64<<10)
}

// isHTTP1RequestLine reports whether line is "METHOD SP target SP
// HTTP/1.x" (RFC 9112 §3).
func isHTTP1RequestLine(line []byte) bool {
	s := strings.TrimRight(string(line), "\r\n")
	m, rest, ok := strings.Cut(s, " ")
	if !ok || m == "" {
		return false
	}
	i := strings.LastIndexByte(rest, ' ')
	return i > 0 && strings.HasPrefix(rest[i+1:], "HTTP/1.")
}

func (h *http1Refuser) Shutdown(ctx context.Context) error { return h.Close() }

func (h *http1Refuser) Close() error {
	h.mu.Lock()
	for c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
	return nil
}
