// Package reflectionv1 is the generated code of grpc.reflection.v1
// (grpc/reflection/v1/reflection.proto, vendored from grpc-proto): the
// ServerReflection service's messages and its Shockwave client and server
// stubs. Package rpc/reflection implements the service.
//
// The .proto keeps grpc-proto's package and file name, so the wire names and
// the descriptors match grpc-go's grpc_reflection_v1; only go_package differs.
// protobuf-go refuses to register one .proto file twice, so no binary may
// link this package together with grpc-go's.
//
// The generated files are checked in; a test fails when they are stale.
package reflectionv1

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative reflection.proto
