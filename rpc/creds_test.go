package rpc_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// tokenCreds is per-call credentials as users write them for grpc-go.
type tokenCreds struct {
	md     map[string]string
	err    error
	secure bool

	mu  sync.Mutex
	uri []string
}

func (c *tokenCreds) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	c.mu.Lock()
	c.uri = append(c.uri, uri...)
	c.mu.Unlock()
	return c.md, c.err
}

func (c *tokenCreds) RequireTransportSecurity() bool { return c.secure }

// mdSeen records a metadata key's values as the server's handlers see
// them, for unary and streaming calls.
type mdSeen struct {
	mu   sync.Mutex
	vals [][]string
}

func (s *mdSeen) record(ctx context.Context, key string) {
	s.mu.Lock()
	s.vals = append(s.vals, metadata.ValueFromIncomingContext(ctx, key))
	s.mu.Unlock()
}

func (s *mdSeen) last() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.vals) == 0 {
		return nil
	}
	return s.vals[len(s.vals)-1]
}

func (s *mdSeen) options(key string) []rpc.ServerOption {
	return []rpc.ServerOption{
		rpc.UnaryInterceptor(func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			s.record(ctx, key)
			return h(ctx, req)
		}),
		rpc.StreamInterceptor(func(srv any, ss rpc.ServerStream, info *rpc.StreamServerInfo, h rpc.StreamHandler) error {
			s.record(ss.Context(), key)
			return h(srv, ss)
		}),
	}
}

// Per-call credentials, of the connection and of one call, reach the
// server as metadata (keys lower-cased), on unary and streaming calls,
// with grpc-go's audience; their errors fail the call with grpc-go's
// codes.
func TestPerRPCCredentials(t *testing.T) {
	checkGoroutines(t)
	var seen mdSeen
	connCreds := &tokenCreds{md: map[string]string{"Authorization": "Bearer conn"}}
	cc := serveAndDial(t, seen.options("authorization"), rpc.WithPerRPCCredentials(connCreds))
	client := echov1.NewEchoServiceClient(cc)
	ctx := context.Background()

	if _, err := client.Echo(ctx, &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := seen.last(); len(got) != 1 || got[0] != "Bearer conn" {
		t.Fatalf("server saw authorization %q, want the connection's token", got)
	}
	if want := "https://" + cc.Target() + "/shockwave.echo.v1.EchoService"; connCreds.uri[0] != want {
		t.Fatalf("audience %q, want %q", connCreds.uri[0], want)
	}
	callCreds := &tokenCreds{md: map[string]string{"authorization": "Bearer call"}}
	stream, err := client.BidiStream(ctx, rpc.PerRPCCredentials(callCreds))
	if err != nil {
		t.Fatal(err)
	}
	stream.CloseSend()
	if _, err := stream.Recv(); err == nil {
		t.Fatal("empty stream sent a message")
	}
	if got := seen.last(); len(got) != 2 || got[0] != "Bearer conn" || got[1] != "Bearer call" {
		t.Fatalf("server saw authorization %q, want the connection's token, then the call's", got)
	}

	// Call credentials here; the connection's map a plain error to
	// UNAUTHENTICATED (below).
	for _, tc := range []struct {
		name string
		err  error
		want codes.Code
	}{
		{"plain error", errors.New("token expired"), codes.Internal},
		{"status error", status.Error(codes.PermissionDenied, "no"), codes.PermissionDenied},
		{"code kept for the control plane", status.Error(codes.NotFound, "no"), codes.Internal},
	} {
		bad := &tokenCreds{err: tc.err}
		_, err := client.Echo(ctx, &echov1.EchoRequest{}, rpc.PerRPCCredentials(bad))
		wantCode(t, err, tc.want)
		_, err = client.ServerStream(ctx, &echov1.EchoRequest{}, rpc.PerRPCCredentials(bad))
		if err == nil {
			t.Fatalf("%s: ServerStream opened", tc.name)
		}
		wantCode(t, err, tc.want)
	}
	badConn, err := rpc.Dial(cc.Target(), rpc.WithPerRPCCredentials(&tokenCreds{err: errors.New("token expired")}))
	if err != nil {
		t.Fatal(err)
	}
	defer badConn.Close()
	_, err = echov1.NewEchoServiceClient(badConn).Echo(ctx, &echov1.EchoRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

// Credentials that require TLS are not sent in cleartext: Dial refuses
// them, a call fails UNAUTHENTICATED; over TLS they go out.
func TestPerRPCCredentialsRequireTLS(t *testing.T) {
	checkGoroutines(t)
	secure := &tokenCreds{md: map[string]string{"authorization": "Bearer tls"}, secure: true}
	if _, err := rpc.Dial("127.0.0.1:1", rpc.WithPerRPCCredentials(secure)); err == nil {
		t.Fatal("Dial took credentials that require TLS without TLS")
	}
	var seen mdSeen
	cc := serveAndDial(t, seen.options("authorization"))
	_, err := echov1.NewEchoServiceClient(cc).Echo(context.Background(), &echov1.EchoRequest{}, rpc.PerRPCCredentials(secure))
	if st := wantCode(t, err, codes.Unauthenticated); !strings.Contains(st.Message(), "insecure") {
		t.Fatalf("message %q", st.Message())
	}
	if got := seen.last(); got != nil {
		t.Fatalf("server saw a call: %q", got)
	}

	conf, certPEM, err := transport.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	tlis, _ := net.Listen("tcp", "127.0.0.1:0")
	tsrv, _, tserved := serveOn(t, tlis, append(seen.options("authorization"), rpc.TLSConfig(conf))...)
	defer func() {
		tsrv.Stop()
		<-tserved
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tcc, err := rpc.Dial(tlis.Addr().String(), rpc.WithTLSConfig(&tls.Config{RootCAs: pool}), rpc.WithPerRPCCredentials(secure))
	if err != nil {
		t.Fatal(err)
	}
	defer tcc.Close()
	if _, err := echov1.NewEchoServiceClient(tcc).Echo(context.Background(), &echov1.EchoRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := seen.last(); len(got) != 1 || got[0] != "Bearer tls" {
		t.Fatalf("server saw authorization %q over TLS", got)
	}
}
