// Package conformancev1 is the generated code of the Connect conformance
// suite's protocol (connectrpc.conformance.v1): the messages the
// connectconformance runner exchanges with the implementation under test on
// stdin and stdout, and ConformanceService with its Shockwave stubs.
//
// The .proto files in interop/proto/connectrpc/conformance/v1 are the
// connectrpc.com/conformance module's, with a go_package option added (the
// module sets it through buf's managed mode). Both they and the generated
// files are checked in; a test fails when either is stale.
package conformancev1

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../proto -o ../.. --paths=import --module=github.com/shockwave-rpc/shockwave/interop ../../proto/connectrpc/conformance/v1/client_compat.proto ../../proto/connectrpc/conformance/v1/config.proto ../../proto/connectrpc/conformance/v1/server_compat.proto ../../proto/connectrpc/conformance/v1/service.proto
