// Package healthv1 is the generated code of grpc.health.v1 (health.proto,
// vendored from grpc-proto): the standard gRPC health checking messages and
// the Health service's Shockwave client and server stubs. Package rpc/health
// implements the service.
//
// The generated files are checked in; a test fails when they are stale.
//
// The messages register themselves in protobuf's global registry under the
// names grpc-go's google.golang.org/grpc/health/grpc_health_v1 uses, as any
// generated copy of health.proto must for reflection and Any to work, so a
// binary can link only one of the two packages: importing both panics at
// start-up (protobuf's namespace conflict).
package healthv1

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative health.proto
