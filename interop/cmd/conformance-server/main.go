// Command conformance-server is the server under test of the Connect
// conformance suite (connectrpc.com/conformance), run as
//
//	connectconformance --mode server --conf CONFIG.yaml -- conformance-server
//
// It reads one ServerCompatRequest on stdin (a 4-byte big-endian size, then
// the message), starts Shockwave's rpc server with ConformanceService on a
// loopback port as the request asks (gRPC over HTTP/2, h2c or TLS, client
// certificates, receive limit), answers a ServerCompatResponse on stdout,
// and serves until SIGTERM or SIGINT.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/shockwave-rpc/shockwave/interop/internal/conformance"
	conformancev1 "github.com/shockwave-rpc/shockwave/interop/internal/conformancev1"
	"github.com/shockwave-rpc/shockwave/rpc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance-server:", err)
		os.Exit(1)
	}
}

func run() error {
	req := new(conformancev1.ServerCompatRequest)
	if err := conformance.ReadMessage(os.Stdin, req); err != nil {
		return fmt.Errorf("reading the ServerCompatRequest: %w", err)
	}
	opts, pemCert, err := conformance.ServerOptions(req)
	if err != nil {
		return err
	}
	srv := rpc.NewServer(opts...)
	conformancev1.RegisterConformanceServiceServer(srv, conformance.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := lis.Addr().(*net.TCPAddr)
	if err := conformance.WriteMessage(os.Stdout, &conformancev1.ServerCompatResponse{
		Host:    addr.IP.String(),
		Port:    uint32(addr.Port),
		PemCert: pemCert,
	}); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		srv.Stop()
	}()
	return srv.Serve(lis)
}
