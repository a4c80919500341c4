package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// newServeHandler returns the handler of `shockwave serve`: gRPC requests
// (content-type application/grpc...) go to an rpc.Server serving the
// EchoService, the gRPC health service (hs, SERVING for "" and the
// EchoService) and server reflection, so that grpcurl, grpc-health-probe
// and Kubernetes gRPC probes work against it; everything else goes to the
// built-in HTTP paths.
func newServeHandler(hs *health.Server) transport.Handler {
	rs := rpc.NewServer()
	echov1.RegisterEchoServiceServer(rs, demoEcho{})
	healthv1.RegisterHealthServer(rs, hs)
	hs.SetServingStatus(echov1.EchoService_ServiceDesc.ServiceName, healthv1.HealthCheckResponse_SERVING)
	reflection.Register(rs)
	return transport.HandlerFunc(func(st transport.ServerStream) {
		if ct, _ := st.Request().Header.Get("content-type"); bytes.HasPrefix(ct, []byte("application/grpc")) {
			rs.ServeStream(st)
			return
		}
		serveHandler(st)
	})
}

// serveHandler answers the built-in paths: GET /healthz is "ok", anything
// else 404. The bodies and values are package-level so that serving
// allocates nothing.
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
	hs := health.NewServer()
	srv := &transport.Server{
		H2:        h2.NewServer(newServeHandler(hs)),
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
	// Health checkers see NOT_SERVING (and watchers hear it) while the
	// connections drain, so load balancers stop sending new calls; the
	// drain then ends the Watch calls (rpc.Draining), which would
	// otherwise hold it to its 10s bound.
	hs.Shutdown()
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
