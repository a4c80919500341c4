//go:build tools

// Package interop proves Shockwave's wire compatibility against real peers.
// This file pins the peer binaries the tests build from the module graph:
// grpc-go's interop client and server, the Connect conformance runner,
// grpc-health-probe and grpcurl.
package interop

import (
	_ "connectrpc.com/conformance/cmd/connectconformance"
	_ "github.com/fullstorydev/grpcurl/cmd/grpcurl"
	_ "github.com/grpc-ecosystem/grpc-health-probe"
	_ "google.golang.org/grpc/interop/client"
	_ "google.golang.org/grpc/interop/server"
)
