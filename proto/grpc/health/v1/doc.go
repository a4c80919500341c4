// Package healthv1 is the generated code of grpc.health.v1 (health.proto,
// vendored from grpc-proto): the standard gRPC health checking messages and
// the Health service's Shockwave client and server stubs. Package rpc/health
// implements the service.
//
// The .proto keeps grpc-proto's package and file name, so the wire names and
// the descriptor match grpc-go's google.golang.org/grpc/health/grpc_health_v1;
// only go_package differs. It is generated with --private_registry: the file
// and its types register in this package's Files and Types, not in
// protobuf's global registries, where grpc-go's copy registers. protobuf-go
// panics at start-up when one .proto file is registered globally twice, and
// a binary may well link both packages: one migrating from grpc-go, one
// calling other services with grpc-go, or one that links grpc-go's xDS.
// rpc/reflection looks in Files after protoregistry.GlobalFiles, so
// reflection still describes grpc.health.v1.Health.
//
// What a private registry costs: code that resolves these types by name
// through the global registries, protojson with a google.protobuf.Any
// holding a HealthCheckResponse for one, must be given Types; and a .proto
// of yours that imports grpc/health/v1/health.proto and is generated
// against this package sees the import as a placeholder in
// protoregistry.GlobalFiles.
//
// The generated files are checked in; a test fails when they are stale.
package healthv1

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative --private_registry health.proto
