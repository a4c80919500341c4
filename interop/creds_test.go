package interop

import (
	"context"
	"net"
	"testing"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpccreds "google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/oauth"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpcmd "google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// staticToken is per-call credentials written against grpc-go's
// credentials.PerRPCCredentials; our client takes it as it is.
type staticToken string

func (s staticToken) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return map[string]string{"Authorization": "Bearer " + string(s)}, nil
}

func (staticToken) RequireTransportSecurity() bool { return true }

var _ grpccreds.PerRPCCredentials = staticToken("")

// Per-call credentials both ways over TLS: our client's reach grpc-go's
// server, whose interceptor checks them; grpc-go's client with its
// oauth.TokenSource reaches our server, whose interceptor checks them.
func TestPerRPCCredentialsWithGRPCGo(t *testing.T) {
	serverConf, err := ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	clientConf, err := ClientTLSConfig(true, "", "foo.test.google.fr")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("our client, grpc-go server", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		check := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := grpcmd.FromIncomingContext(ctx)
			if v := md.Get("authorization"); len(v) != 1 || v[0] != "Bearer ours" {
				return nil, status.Errorf(codes.Unauthenticated, "authorization %q", v)
			}
			return h(ctx, req)
		}
		gs := grpc.NewServer(grpc.Creds(grpccreds.NewTLS(serverConf)), grpc.UnaryInterceptor(check))
		healthpb.RegisterHealthServer(gs, grpchealth.NewServer())
		go gs.Serve(lis)
		defer gs.Stop()
		cc, err := rpc.Dial(lis.Addr().String(), rpc.WithTLSConfig(clientConf), rpc.WithPerRPCCredentials(staticToken("ours")))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		if _, err := healthv1.NewHealthClient(cc).Check(context.Background(), &healthv1.HealthCheckRequest{}); err != nil {
			t.Fatalf("grpc-go server refused our credentials: %v", err)
		}
	})

	t.Run("grpc-go client, our server", func(t *testing.T) {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		seen := make(chan []string, 1)
		check := func(ctx context.Context, req any, info *rpc.UnaryServerInfo, h rpc.UnaryHandler) (any, error) {
			seen <- metadata.ValueFromIncomingContext(ctx, "authorization")
			return h(ctx, req)
		}
		srv := rpc.NewServer(rpc.TLSConfig(serverConf), rpc.UnaryInterceptor(check))
		healthv1.RegisterHealthServer(srv, health.NewServer())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(lis) }()
		defer func() {
			srv.Stop()
			<-served
		}()
		token := oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "theirs", TokenType: "Bearer"})}
		cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(grpccreds.NewTLS(clientConf)), grpc.WithPerRPCCredentials(token))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		if _, err := healthpb.NewHealthClient(cc).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
		if got := <-seen; len(got) != 1 || got[0] != "Bearer theirs" {
			t.Fatalf("our server saw authorization %q, want grpc-go's oauth token", got)
		}
	})
}
