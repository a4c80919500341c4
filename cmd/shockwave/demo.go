package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport"
)

// demoEcho is the demo's EchoService: it sends back what it is sent.
type demoEcho struct {
	echov1.UnimplementedEchoServiceServer
}

func (demoEcho) Echo(ctx context.Context, req *echov1.EchoRequest) (*echov1.EchoResponse, error) {
	return &echov1.EchoResponse{Message: req.Message, Payload: req.Payload}, nil
}

func (demoEcho) ServerStream(req *echov1.EchoRequest, stream rpc.ServerStreamingServer[echov1.EchoResponse]) error {
	for _, w := range strings.Fields(req.Message) {
		if err := stream.Send(&echov1.EchoResponse{Message: w}); err != nil {
			return err
		}
	}
	return nil
}

func (demoEcho) ClientStream(stream rpc.ClientStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	var words []string
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return stream.SendAndClose(&echov1.EchoResponse{Message: strings.Join(words, " ")})
		}
		if err != nil {
			return err
		}
		words = append(words, req.Message)
	}
}

func (demoEcho) BidiStream(stream rpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoResponse]) error {
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&echov1.EchoResponse{Message: req.Message}); err != nil {
			return err
		}
	}
}

var demoWords = []string{"one", "two", "three"}

var demoCalls = []struct {
	shape string
	call  func(ctx context.Context, c echov1.EchoServiceClient) (string, error)
}{
	{"unary", func(ctx context.Context, c echov1.EchoServiceClient) (string, error) {
		resp, err := c.Echo(ctx, &echov1.EchoRequest{Message: "hello"})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%q", resp.Message), nil
	}},
	{"server streaming", func(ctx context.Context, c echov1.EchoServiceClient) (string, error) {
		stream, err := c.ServerStream(ctx, &echov1.EchoRequest{Message: strings.Join(demoWords, " ")})
		if err != nil {
			return "", err
		}
		var got []string
		for {
			resp, err := stream.Recv()
			if err == io.EOF {
				return fmt.Sprintf("%d messages %q", len(got), got), nil
			}
			if err != nil {
				return "", err
			}
			got = append(got, resp.Message)
		}
	}},
	{"client streaming", func(ctx context.Context, c echov1.EchoServiceClient) (string, error) {
		stream, err := c.ClientStream(ctx)
		if err != nil {
			return "", err
		}
		for _, w := range demoWords {
			if err := stream.Send(&echov1.EchoRequest{Message: w}); err != nil {
				return "", err
			}
		}
		resp, err := stream.CloseAndRecv()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d messages -> %q", len(demoWords), resp.Message), nil
	}},
	{"bidi streaming", func(ctx context.Context, c echov1.EchoServiceClient) (string, error) {
		stream, err := c.BidiStream(ctx)
		if err != nil {
			return "", err
		}
		for _, w := range demoWords {
			if err := stream.Send(&echov1.EchoRequest{Message: w}); err != nil {
				return "", err
			}
			resp, err := stream.Recv()
			if err != nil {
				return "", err
			}
			if resp.Message != w {
				return "", errors.New("echoed " + resp.Message + ", want " + w)
			}
		}
		stream.CloseSend()
		if _, err := stream.Recv(); err != io.EOF {
			return "", fmt.Errorf("end of stream: %v", err)
		}
		return fmt.Sprintf("%d round trips", len(demoWords)), nil
	}},
}

// runDemo starts an EchoService server on a loopback port, calls each call
// shape over HTTP/2 (cleartext, then TLS), prints a table and exits 0 when
// every call succeeded.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 10*time.Second, "deadline of each call")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	conf, certPEM, err := transport.SelfSignedTLS()
	if err != nil {
		fmt.Fprintln(stderr, "shockwave demo:", err)
		return 1
	}
	srv := rpc.NewServer(rpc.TLSConfig(conf))
	echov1.RegisterEchoServiceServer(srv, demoEcho{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "shockwave demo:", err)
		return 1
	}
	go srv.Serve(lis)
	defer srv.Stop()
	addr := lis.Addr().String()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	clients := []struct {
		name string
		opts []rpc.DialOption
	}{
		{"gRPC, HTTP/2 cleartext (h2c)", nil},
		{"gRPC, HTTP/2 over TLS", []rpc.DialOption{rpc.WithTLSConfig(&tls.Config{RootCAs: roots})}},
	}
	fmt.Fprintf(stdout, "Shockwave demo: EchoService on %s\n\n", addr)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL SHAPE\tPROTOCOL\tRESULT\tLATENCY")
	failed := 0
	for _, cl := range clients {
		cc, err := rpc.Dial(addr, cl.opts...)
		if err != nil {
			fmt.Fprintln(stderr, "shockwave demo:", err)
			return 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		// Connect first so the first row's latency is a call's, not a
		// handshake's.
		if err := cc.Connect(ctx); err != nil {
			fmt.Fprintf(tw, "connect\t%s\tFAIL: %v\t\n", cl.name, err)
			failed++
		}
		client := echov1.NewEchoServiceClient(cc)
		for _, dc := range demoCalls {
			start := time.Now()
			res, err := dc.call(ctx, client)
			lat := time.Since(start)
			if err != nil {
				failed++
				res = "FAIL: " + err.Error()
			} else {
				res = "ok: " + res
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", dc.shape, cl.name, res, lat.Round(time.Microsecond))
		}
		cancel()
		cc.Close()
	}
	tw.Flush()
	if failed > 0 {
		fmt.Fprintf(stdout, "\n%d call(s) failed\n", failed)
		return 1
	}
	fmt.Fprintln(stdout, "\nall calls succeeded")
	return 0
}
