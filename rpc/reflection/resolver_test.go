package reflection

import (
	"errors"
	"testing"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// registryOf returns a registry holding one file per path, each declaring
// one message M in the package given for it.
func registryOf(t *testing.T, files map[string]string) *protoregistry.Files {
	t.Helper()
	r := new(protoregistry.Files)
	for path, pkg := range files {
		fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
			Name:        proto.String(path),
			Package:     proto.String(pkg),
			MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("M")}},
		}, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.RegisterFile(fd); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// brokenResolver fails every lookup with an error other than NotFound.
type brokenResolver struct{}

var errBroken = errors.New("broken registry")

func (brokenResolver) FindFileByPath(string) (protoreflect.FileDescriptor, error) {
	return nil, errBroken
}

func (brokenResolver) FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error) {
	return nil, errBroken
}

func TestResolversOrder(t *testing.T) {
	first := registryOf(t, map[string]string{"a.proto": "test.first"})
	second := registryOf(t, map[string]string{"a.proto": "test.second", "b.proto": "test.b"})
	rs := resolvers{first, second}

	// A file both know comes from the first.
	if fd, err := rs.FindFileByPath("a.proto"); err != nil || fd.Package() != "test.first" {
		t.Errorf("a.proto: %v, %v; want the file of test.first", fd, err)
	}
	// What the first lacks, the second answers.
	if fd, err := rs.FindFileByPath("b.proto"); err != nil || fd.Package() != "test.b" {
		t.Errorf("b.proto: %v, %v; want the file of test.b", fd, err)
	}
	for _, name := range []protoreflect.FullName{"test.first.M", "test.second.M", "test.b.M"} {
		if d, err := rs.FindDescriptorByName(name); err != nil || d.FullName() != name {
			t.Errorf("%s: %v, %v", name, d, err)
		}
	}
	if _, err := rs.FindFileByPath("c.proto"); !errors.Is(err, protoregistry.NotFound) {
		t.Errorf("c.proto: %v, want NotFound", err)
	}
	if _, err := rs.FindDescriptorByName("test.none.M"); !errors.Is(err, protoregistry.NotFound) {
		t.Errorf("test.none.M: %v, want NotFound", err)
	}

	// A failure that is not NotFound is the answer; the next resolver's
	// would hide it.
	broken := resolvers{brokenResolver{}, second}
	if _, err := broken.FindFileByPath("b.proto"); !errors.Is(err, errBroken) {
		t.Errorf("b.proto behind a broken resolver: %v, want its error", err)
	}
	if _, err := broken.FindDescriptorByName("test.b.M"); !errors.Is(err, errBroken) {
		t.Errorf("test.b.M behind a broken resolver: %v, want its error", err)
	}
}

// The default resolver asks GlobalFiles first, and finds the vendored gRPC
// protos, which are not in GlobalFiles, in their packages' registries.
func TestDefaultFiles(t *testing.T) {
	if len(defaultFiles) == 0 || defaultFiles[0] != protodesc.Resolver(protoregistry.GlobalFiles) {
		t.Fatal("defaultFiles must ask protoregistry.GlobalFiles first")
	}
	for _, fd := range []protoreflect.FileDescriptor{
		reflectionv1.File_grpc_reflection_v1_reflection_proto,
		reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto,
		healthv1.File_grpc_health_v1_health_proto,
	} {
		if _, err := protoregistry.GlobalFiles.FindFileByPath(fd.Path()); !errors.Is(err, protoregistry.NotFound) {
			t.Errorf("%s is in GlobalFiles (%v); it is generated with --private_registry", fd.Path(), err)
		}
		if got, err := defaultFiles.FindFileByPath(fd.Path()); err != nil || got != fd {
			t.Errorf("%s: %v, %v; want the generated package's descriptor", fd.Path(), got, err)
		}
		svc := fd.Services().Get(0).FullName()
		if got, err := defaultFiles.FindDescriptorByName(svc); err != nil || got.ParentFile() != fd {
			t.Errorf("%s: %v, %v; want the service of %s", svc, got, err, fd.Path())
		}
	}
}

// Extensions are found in protoregistry.GlobalTypes alone, which is right
// only while the vendored protos, registered privately, declare none.
func TestVendoredProtosDeclareNoExtensions(t *testing.T) {
	for name, types := range map[string]*protoregistry.Types{
		"reflectionv1":      reflectionv1.Types,
		"reflectionv1alpha": reflectionv1alpha.Types,
		"healthv1":          healthv1.Types,
	} {
		if n := types.NumExtensions(); n != 0 {
			t.Errorf("%s.Types holds %d extensions; the reflection service's default extension resolver must consult it", name, n)
		}
		if types.NumMessages() == 0 {
			t.Errorf("%s.Types holds no messages; the generated code does not register in it", name)
		}
	}
}

// A file whose registry lacked one of its imports holds a placeholder for
// it: a user .proto in GlobalFiles importing grpc/health/v1/health.proto,
// which registers privately. The reply still carries the import when the
// resolvers have it, and leaves it out (without failing) when they do not.
func TestPlaceholderImportResolved(t *testing.T) {
	user := new(protoregistry.Files)
	fd, err := protodesc.FileOptions{AllowUnresolvable: true}.New(&descriptorpb.FileDescriptorProto{
		Name:       proto.String("user/v1/user.proto"),
		Package:    proto.String("user.v1"),
		Dependency: []string{"grpc/health/v1/health.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Report"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name:     proto.String("health"),
				Number:   proto.Int32(1),
				Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
				Type:     descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
				TypeName: proto.String(".grpc.health.v1.HealthCheckResponse"),
			}},
		}},
		Syntax: proto.String("proto3"),
	}, user)
	if err != nil {
		t.Fatal(err)
	}
	if !fd.Imports().Get(0).IsPlaceholder() {
		t.Fatal("the test file's import is not a placeholder")
	}
	paths := func(files [][]byte) []string {
		var out []string
		for _, b := range files {
			var fdp descriptorpb.FileDescriptorProto
			if err := proto.Unmarshal(b, &fdp); err != nil {
				t.Fatal(err)
			}
			out = append(out, fdp.GetName())
		}
		return out
	}

	s := &server{files: resolvers{user, healthv1.Files}}
	files, err := s.withImports(fd, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(files); len(got) != 2 || got[0] != "user/v1/user.proto" || got[1] != "grpc/health/v1/health.proto" {
		t.Errorf("with the import resolvable: files %q, want the file and health.proto", got)
	}

	s = &server{files: resolvers{user}}
	files, err = s.withImports(fd, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(files); len(got) != 1 || got[0] != "user/v1/user.proto" {
		t.Errorf("with the import unknown: files %q, want the file alone", got)
	}
}
