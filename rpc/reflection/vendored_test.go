package reflection_test

import (
	"context"
	"net"
	"slices"
	"testing"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestVendoredProtos asks a server with health and reflection about those
// two services, as `grpcurl describe grpc.health.v1.Health` does. Their
// protos register in their packages' private registries, not GlobalFiles
// (TestDefaultFiles holds them to it), and the default resolver finds them
// there.
func TestVendoredProtos(t *testing.T) {
	srv := rpc.NewServer()
	healthv1.RegisterHealthServer(srv, health.NewServer())
	reflection.Register(srv)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})

	var (
		healthProto  = healthv1.File_grpc_health_v1_health_proto
		v1Proto      = reflectionv1.File_grpc_reflection_v1_reflection_proto
		v1alphaProto = reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto
	)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := v.open(ctx, cc)
			if err != nil {
				t.Fatal(err)
			}

			var names []string
			for _, svc := range ask(t, s, listServices()).GetListServicesResponse().GetService() {
				names = append(names, svc.GetName())
			}
			if want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}; !slices.Equal(names, want) {
				t.Errorf("list_services answered %q, want %q", names, want)
			}

			for _, tc := range []struct {
				req  *reflectionv1.ServerReflectionRequest
				want protoreflect.FileDescriptor
			}{
				{bySymbol("grpc.health.v1.Health"), healthProto},
				{bySymbol("grpc.health.v1.Health.Watch"), healthProto},
				{bySymbol("grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN"), healthProto},
				{bySymbol("grpc.health.v1.HealthListResponse.StatusesEntry"), healthProto},
				{byFilename("grpc/health/v1/health.proto"), healthProto},
				{bySymbol("grpc.reflection.v1.ServerReflection"), v1Proto},
				{bySymbol("grpc.reflection.v1.ServerReflectionRequest.file_by_filename"), v1Proto},
				{byFilename("grpc/reflection/v1/reflection.proto"), v1Proto},
				{bySymbol("grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo"), v1alphaProto},
				{byFilename("grpc/reflection/v1alpha/reflection.proto"), v1alphaProto},
			} {
				got := files(t, ask(t, s, tc.req))
				if len(got) != 1 || !proto.Equal(got[0], protodesc.ToFileDescriptorProto(tc.want)) {
					t.Errorf("%v answered %q, want %s alone, as generated", tc.req, fileNamesOf(got), tc.want.Path())
				}
			}

			nums := ask(t, s, extensionNumbers("grpc.health.v1.HealthCheckRequest")).GetAllExtensionNumbersResponse()
			if nums.GetBaseTypeName() != "grpc.health.v1.HealthCheckRequest" || len(nums.GetExtensionNumber()) != 0 {
				t.Errorf("all_extension_numbers_of_type grpc.health.v1.HealthCheckRequest answered %v, want none", nums)
			}
			wantError(t, ask(t, s, bySymbol("grpc.health.v1.Nope")), codes.NotFound, `symbol "grpc.health.v1.Nope" not found`)
		})
	}
}

func fileNamesOf(files []*descriptorpb.FileDescriptorProto) []string {
	var names []string
	for _, f := range files {
		names = append(names, f.GetName())
	}
	return names
}
