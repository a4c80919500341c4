// Package reflectionv1alpha is the generated code of grpc.reflection.v1alpha
// (grpc/reflection/v1alpha/reflection.proto, vendored from grpc-proto): the
// ServerReflection service's messages and its Shockwave client and server
// stubs. Package rpc/reflection implements the service.
//
// v1alpha is the version older clients speak; the .proto marks it
// deprecated in favour of v1, but servers keep serving both so that those
// clients still work.
//
// The .proto keeps grpc-proto's package and file name, so the wire names
// and the descriptors match grpc-go's grpc_reflection_v1alpha; only
// go_package differs. It is generated with --private_registry: the file
// and its types register in this package's Files and Types, not in
// protobuf's global registries, where grpc-go's copy registers.
// protobuf-go panics at start-up when one .proto file is registered
// globally twice, and a binary may well link both packages: one migrating
// from grpc-go, or one calling other services with grpc-go.
// rpc/reflection looks in Files after protoregistry.GlobalFiles, so
// reflection still describes itself.
//
// The generated files are checked in; a test fails when they are stale.
package reflectionv1alpha

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative --private_registry reflection.proto
