package reflection

import (
	"errors"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// defaultFiles is where the service finds files and symbols unless told
// otherwise: protoregistry.GlobalFiles, where generated code registers,
// and then the private registries of the gRPC protos this module vendors.
// Those are generated with --private_registry so that they can share a
// binary with grpc-go's copies of the same files, which register globally;
// without them here the reflection service could not describe itself, nor
// the health service. GlobalFiles comes first: when grpc-go's copy is
// linked, it answers, with a descriptor identical but for go_package.
//
// The health registry is imported here, rather than looked up through
// rpc/health, so that reflection does not pull in the health server.
// Extensions need no such chain: the vendored protos declare none.
var defaultFiles = resolvers{
	protoregistry.GlobalFiles,
	reflectionv1.Files,
	reflectionv1alpha.Files,
	healthv1.Files,
}

// resolvers asks each of its resolvers in turn and answers with the first
// that knows the file or symbol. An error other than NotFound, such as a
// conflict within one registry, is the answer too: looking further would
// hide it.
type resolvers []protodesc.Resolver

func (rs resolvers) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	for _, r := range rs {
		fd, err := r.FindFileByPath(path)
		if !errors.Is(err, protoregistry.NotFound) {
			return fd, err
		}
	}
	return nil, protoregistry.NotFound
}

func (rs resolvers) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for _, r := range rs {
		d, err := r.FindDescriptorByName(name)
		if !errors.Is(err, protoregistry.NotFound) {
			return d, err
		}
	}
	return nil, protoregistry.NotFound
}
