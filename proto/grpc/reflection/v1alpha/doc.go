// Package reflectionv1alpha is the generated code of grpc.reflection.v1alpha
// (grpc/reflection/v1alpha/reflection.proto, vendored from grpc-proto): the
// ServerReflection service's messages and its Shockwave client and server
// stubs. Package rpc/reflection implements the service.
//
// v1alpha is the version older clients speak; the .proto marks it
// deprecated in favour of v1, but servers keep serving both so that those
// clients still work.
//
// The .proto keeps grpc-proto's package and file name, so the wire names and
// the descriptors match grpc-go's grpc_reflection_v1alpha; only go_package differs.
// protobuf-go refuses to register one .proto file twice, so no binary may
// link this package together with grpc-go's.
//
// The generated files are checked in; a test fails when they are stale.
package reflectionv1alpha

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative reflection.proto
