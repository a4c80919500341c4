// Command interop-server serves grpc.testing.TestService with Shockwave's
// rpc server for the gRPC interop test cases, with the flags of grpc-go's
// interop server:
//
//	interop-server --port=N [--use_tls [--tls_cert_file=F --tls_key_file=F]]
//
// With --use_tls it serves TLS (ALPN h2) with grpc-go's test certificate
// for *.test.google.fr unless other files are given; cleartext HTTP/2
// (h2c) is served on the same port either way. It runs until killed; on
// SIGINT or SIGTERM it stops gracefully.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/shockwave-rpc/shockwave/interop"
	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport"
)

var (
	host     = flag.String("host", "", "the address to listen on; empty means every interface, as grpc-go's interop server does (tests pass 127.0.0.1)")
	port     = flag.Int("port", 10000, "the port to listen on; 0 picks a free one, printed on stdout")
	useTLS   = flag.Bool("use_tls", false, "serve TLS (cleartext HTTP/2 is served on the same port too)")
	certFile = flag.String("tls_cert_file", "", "the TLS certificate file (default: grpc-go's test server1.pem)")
	keyFile  = flag.String("tls_key_file", "", "the TLS key file (default: grpc-go's test server1.key)")
	tap      = flag.Bool("wiretap", true, "tap the streams to check expect_compressed; false serves with rpc.Server.Serve alone (for benchmarks), and requests that set expect_compressed then fail")
)

func main() {
	flag.Parse()
	log.SetPrefix("interop-server: ")
	log.SetFlags(0)
	var tlsConf *tls.Config
	if *useTLS {
		var err error
		if tlsConf, err = interop.ServerTLSConfig(*certFile, *keyFile); err != nil {
			log.Fatal(err)
		}
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	var opts []rpc.ServerOption
	if !*tap && tlsConf != nil {
		opts = append(opts, rpc.TLSConfig(tlsConf))
	}
	srv := rpc.NewServer(opts...)
	grpc_testing.RegisterTestServiceServer(srv, interop.NewTestServer())
	// The port on stdout lets a test start the server on port 0.
	fmt.Printf("listening on port %d\n", lis.Addr().(*net.TCPAddr).Port)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if !*tap {
		go func() {
			<-sig
			srv.GracefulStop()
		}()
		if err := srv.Serve(lis); err != nil {
			log.Fatal(err)
		}
		return
	}
	ts := interop.NewTransportServer(srv, tlsConf)
	go func() {
		<-sig
		ts.Shutdown(context.Background())
	}()
	if err := ts.Serve(lis); err != nil && !errors.Is(err, transport.ErrServerClosed) {
		log.Fatal(err)
	}
}
