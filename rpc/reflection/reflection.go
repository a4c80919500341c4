// Package reflection implements gRPC server reflection, so that grpcurl,
// grpcui, Postman and other tools can list the services of a Shockwave
// server and call them without the .proto files.
//
// Register adds the ServerReflection service to a server in both of its
// versions, grpc.reflection.v1 and grpc.reflection.v1alpha, as grpc-go's
// reflection.Register does: newer clients ask for v1, older ones only know
// v1alpha.
//
//	srv := rpc.NewServer()
//	echov1.RegisterEchoServiceServer(srv, impl)
//	reflection.Register(srv)
//	srv.Serve(lis)
//
// The service answers each request of its stream in turn:
//
//   - list_services: the name of every service registered on the server,
//     the reflection services included, sorted.
//   - file_by_filename, file_containing_symbol (a service, method, message,
//     field, enum, enum value or oneof, nested or not) and
//     file_containing_extension: the file as a serialized
//     google.protobuf.FileDescriptorProto, followed by those of its
//     transitive imports that were not sent earlier on the same stream.
//   - all_extension_numbers_of_type: the field numbers of the known
//     extensions of a message, sorted.
//
// A failed request is answered with an error_response carrying a gRPC code
// (NOT_FOUND for a file, symbol or extension that is not known), and the
// stream stays open for the next request.
//
// Descriptors come from protoregistry.GlobalFiles, where generated code
// registers itself, and then from the private registries of the gRPC protos
// this module vendors (the Files of proto/grpc/reflection/v1, v1alpha and
// proto/grpc/health/v1), which keep out of GlobalFiles so that they can
// share a binary with grpc-go's; extensions come from
// protoregistry.GlobalTypes. The WithDescriptorResolver and
// WithExtensionResolver options substitute others, for example descriptors
// loaded from a FileDescriptorSet.
package reflection

import (
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Register registers the ServerReflection service on s, in versions v1 and
// v1alpha. Like any service, it must be registered before s serves; it
// lists the services registered on s at the time of each request.
func Register(s *rpc.Server, opts ...Option) {
	o := options{
		files: defaultFiles,
		exts:  protoregistry.GlobalTypes,
	}
	for _, opt := range opts {
		opt.apply(&o)
	}
	srv := &server{services: s, files: o.files, exts: o.exts}
	reflectionv1.RegisterServerReflectionServer(s, v1Server{s: srv})
	reflectionv1alpha.RegisterServerReflectionServer(s, v1alphaServer{s: srv})
}

// ExtensionResolver finds extensions by the message they extend; the
// service answers file_containing_extension and
// all_extension_numbers_of_type with it. *protoregistry.Types implements
// it.
type ExtensionResolver interface {
	protoregistry.ExtensionTypeResolver
	RangeExtensionsByMessage(message protoreflect.FullName, f func(protoreflect.ExtensionType) bool)
}

// An Option configures the reflection service.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	files protodesc.Resolver
	exts  ExtensionResolver
}

// WithDescriptorResolver makes the service find files and symbols with r
// instead of protoregistry.GlobalFiles and the vendored protos' private
// registries; a *protoregistry.Files is one. It does not change where
// extensions are found: pair it with WithExtensionResolver when r knows
// extensions that GlobalTypes does not. A nil r keeps the default.
func WithDescriptorResolver(r protodesc.Resolver) Option {
	return optionFunc(func(o *options) {
		if r != nil {
			o.files = r
		}
	})
}

// WithExtensionResolver makes the service find extensions with r instead
// of protoregistry.GlobalTypes. A nil r keeps the default.
func WithExtensionResolver(r ExtensionResolver) Option {
	return optionFunc(func(o *options) {
		if r != nil {
			o.exts = r
		}
	})
}
