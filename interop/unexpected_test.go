package interop

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// TestClientUnexpectedResponses is a small, in-process version of the
// conformance suite's "gRPC Unexpected Responses" client cases: a raw
// HTTP/2 server answers a unary call in ways a gRPC server must not, and
// the rpc client must fail the call with the code the suite expects
// (grpc/grpc doc/statuscodes.md: a response cardinality violation is
// UNIMPLEMENTED; PROTOCOL-HTTP2.md: only a response head that ends the
// stream is Trailers-Only).
func TestClientUnexpectedResponses(t *testing.T) {
	msg := []byte{0, 0, 0, 0, 0} // an empty message, uncompressed
	cases := []struct {
		name    string
		handler func(w http.ResponseWriter)
		want    []codes.Code
	}{{
		name: "unary/ok-but-no-response",
		handler: func(w http.ResponseWriter) {
			w.Header().Set("content-type", "application/grpc")
			w.Header().Set(http.TrailerPrefix+"grpc-status", "0")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
		},
		want: []codes.Code{codes.Unimplemented},
	}, {
		name: "unary/multiple-responses",
		handler: func(w http.ResponseWriter) {
			w.Header().Set("content-type", "application/grpc")
			w.WriteHeader(200)
			w.Write(msg)
			w.Write(msg)
			w.Header().Set(http.TrailerPrefix+"grpc-status", "0")
		},
		want: []codes.Code{codes.Unimplemented},
	}, {
		// grpc-status in a head that does not end the stream is not a
		// status; with no trailers after the body the status is missing.
		name: "trailers-only/ignore-header-if-body-present",
		handler: func(w http.ResponseWriter) {
			w.Header().Set("content-type", "application/grpc")
			w.Header().Set("grpc-status", "9")
			w.WriteHeader(200)
			w.Write(msg)
		},
		want: []codes.Code{codes.Internal, codes.Unknown},
	}, {
		name: "trailers-only/ignore-header-if-trailer-present",
		handler: func(w http.ResponseWriter) {
			w.Header().Set("content-type", "application/grpc")
			w.Header().Set("grpc-status", "8")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			w.Header().Set(http.TrailerPrefix+"foo", "bar")
			w.Header().Set(http.TrailerPrefix+"grpc-status", "9")
		},
		want: []codes.Code{codes.FailedPrecondition},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: h2c.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.handler(w)
			}), &http2.Server{})}
			go hs.Serve(lis)
			defer hs.Close()
			cc, err := rpc.Dial(lis.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = grpc_testing.NewTestServiceClient(cc).EmptyCall(ctx, &grpc_testing.Empty{})
			got := status.Code(err)
			for _, w := range tc.want {
				if got == w {
					return
				}
			}
			t.Errorf("EmptyCall: %v; want code %v", err, tc.want)
		})
	}
}
