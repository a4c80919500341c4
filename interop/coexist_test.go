package interop

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	ourreflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	ourreflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// This test binary links grpc-go's grpc_health_v1, grpc_reflection_v1 and
// grpc_reflection_v1alpha together with our proto/grpc packages of the
// same .proto files, rpc/health and rpc/reflection. Were both copies
// registered in protobuf's global registry it would panic before any test
// ran ("proto: file "grpc/health/v1/health.proto" is already registered");
// ours register in private registries (shockwave gen --private_registry).

// vendoredPairs are our generated descriptors of the vendored gRPC protos
// and grpc-go's of the same files.
var vendoredPairs = []struct{ ours, grpcGo protoreflect.FileDescriptor }{
	{healthv1.File_grpc_health_v1_health_proto, healthpb.File_grpc_health_v1_health_proto},
	{ourreflectionv1.File_grpc_reflection_v1_reflection_proto, reflectionv1.File_grpc_reflection_v1_reflection_proto},
	{ourreflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto, reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto},
}

// TestCoexistWithGRPCGo checks the registries of both copies, then runs our
// server with health and reflection in this process and calls it with
// grpc-go's health and reflection clients, and calls grpc-go's health
// server with ours.
func TestCoexistWithGRPCGo(t *testing.T) {
	for _, p := range vendoredPairs {
		// GlobalFiles holds grpc-go's copy; ours is in its package's Files.
		if fd, err := protoregistry.GlobalFiles.FindFileByPath(p.ours.Path()); err != nil || fd != p.grpcGo {
			t.Errorf("GlobalFiles has %s as %v, %v; want grpc-go's descriptor", p.ours.Path(), fd, err)
		}
		wantGoPackage(t, p.ours, "github.com/shockwave-rpc/shockwave/proto/")
		wantGoPackage(t, p.grpcGo, "google.golang.org/grpc/")
		// Same file in all but go_package: same names, same wire format.
		ours, theirs := protodesc.ToFileDescriptorProto(p.ours), protodesc.ToFileDescriptorProto(p.grpcGo)
		ours.GetOptions().GoPackage, theirs.GetOptions().GoPackage = nil, nil
		if !proto.Equal(ours, theirs) {
			t.Errorf("%s: our vendored copy differs from grpc-go's beyond go_package:\nours    %v\ngrpc-go %v", p.ours.Path(), ours, theirs)
		}
	}
	for name, files := range map[string]*protoregistry.Files{
		"healthv1":          healthv1.Files,
		"reflectionv1":      ourreflectionv1.Files,
		"reflectionv1alpha": ourreflectionv1alpha.Files,
	} {
		if files.NumFiles() != 1 {
			t.Errorf("%s.Files holds %d files, want its one .proto", name, files.NumFiles())
		}
	}
	if mt, err := protoregistry.GlobalTypes.FindMessageByName("grpc.health.v1.HealthCheckResponse"); err != nil {
		t.Errorf("GlobalTypes: %v", err)
	} else if _, ok := mt.New().Interface().(*healthpb.HealthCheckResponse); !ok {
		t.Errorf("GlobalTypes has grpc.health.v1.HealthCheckResponse as %T, want grpc-go's", mt.New().Interface())
	}
	if mt, err := healthv1.Types.FindMessageByName("grpc.health.v1.HealthCheckResponse"); err != nil {
		t.Errorf("healthv1.Types: %v", err)
	} else if _, ok := mt.New().Interface().(*healthv1.HealthCheckResponse); !ok {
		t.Errorf("healthv1.Types has grpc.health.v1.HealthCheckResponse as %T, want ours", mt.New().Interface())
	}

	t.Run("grpc-go clients, our server", func(t *testing.T) {
		srv := rpc.NewServer()
		h := health.NewServer()
		healthv1.RegisterHealthServer(srv, h)
		reflection.Register(srv)
		h.SetServingStatus("app", healthv1.HealthCheckResponse_SERVING)
		addr := serveInProcess(t, srv.Serve, srv.Stop)

		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()

		client := healthpb.NewHealthClient(cc)
		for service, want := range map[string]healthpb.HealthCheckResponse_ServingStatus{"": healthpb.HealthCheckResponse_SERVING, "app": healthpb.HealthCheckResponse_SERVING} {
			resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
			if err != nil || resp.GetStatus() != want {
				t.Errorf("Check(%q): %v, %v; want %v", service, resp, err, want)
			}
		}
		watch, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: "app"})
		if err != nil {
			t.Fatal(err)
		}
		recvStatus(t, watch, healthpb.HealthCheckResponse_SERVING)
		h.SetServingStatus("app", healthv1.HealthCheckResponse_NOT_SERVING)
		recvStatus(t, watch, healthpb.HealthCheckResponse_NOT_SERVING)

		for _, v := range reflectionVersions {
			t.Run(v.name, func(t *testing.T) {
				s, err := v.open(ctx, cc)
				if err != nil {
					t.Fatal(err)
				}
				var services []string
				for _, svc := range s.ask(t, &reflectionv1.ServerReflectionRequest{
					MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{},
				}).GetListServicesResponse().GetService() {
					services = append(services, svc.GetName())
				}
				if want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}; !slices.Equal(services, want) {
					t.Errorf("list_services: %q, want %q", services, want)
				}
				// Each service's file comes from GlobalFiles, which the
				// reflection service asks first and which here holds
				// grpc-go's copy, go_package and all.
				for _, tc := range []struct {
					symbol string
					want   protoreflect.FileDescriptor
				}{
					{"grpc.health.v1.Health", healthpb.File_grpc_health_v1_health_proto},
					{"grpc.health.v1.HealthCheckResponse.ServingStatus", healthpb.File_grpc_health_v1_health_proto},
					{"grpc.reflection.v1.ServerReflection", reflectionv1.File_grpc_reflection_v1_reflection_proto},
					{"grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo", reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto},
				} {
					files := reflectedFiles(t, s.ask(t, bySymbolReq(tc.symbol)))
					if len(files) != 1 {
						t.Fatalf("file_containing_symbol %s: %q, want %s alone", tc.symbol, fileNamesOf(files), tc.want.Path())
					}
					wantFile(t, files[0], tc.want, false)
				}
				if err := s.CloseSend(); err != nil {
					t.Fatal(err)
				}
			})
		}
	})

	t.Run("our client, grpc-go server", func(t *testing.T) {
		srv := grpc.NewServer()
		h := grpchealth.NewServer()
		healthpb.RegisterHealthServer(srv, h)
		h.SetServingStatus("app", healthpb.HealthCheckResponse_NOT_SERVING)
		addr := serveInProcess(t, srv.Serve, srv.Stop)

		cc, err := rpc.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client := healthv1.NewHealthClient(cc)
		for service, want := range map[string]healthv1.HealthCheckResponse_ServingStatus{"": healthv1.HealthCheckResponse_SERVING, "app": healthv1.HealthCheckResponse_NOT_SERVING} {
			resp, err := client.Check(ctx, &healthv1.HealthCheckRequest{Service: service})
			if err != nil || resp.GetStatus() != want {
				t.Errorf("Check(%q) of grpc-go's health server: %v, %v; want %v", service, resp, err, want)
			}
		}
	})
}

// wantGoPackage fails t unless fd's go_package starts with prefix.
func wantGoPackage(t *testing.T, fd protoreflect.FileDescriptor, prefix string) {
	t.Helper()
	opts, _ := fd.Options().(*descriptorpb.FileOptions)
	if p := opts.GetGoPackage(); !strings.HasPrefix(p, prefix) {
		t.Errorf("%s has go_package %q, want one under %s", fd.Path(), p, prefix)
	}
}

// serveInProcess runs serve, ours or grpc-go's, on a new loopback listener
// and returns its address; the test's cleanup stops the server and checks
// that serve returned nil, as both do after stop.
func serveInProcess(t *testing.T, serve func(net.Listener) error, stop func()) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- serve(lis) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return lis.Addr().String()
}
