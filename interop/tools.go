//go:build tools

// Package interop proves Shockwave's wire compatibility against real peers.
// This file pins the peer binaries the tests build from the module graph:
// grpc-go's interop client and server and the Connect conformance runner.
package interop

import (
	_ "connectrpc.com/conformance/cmd/connectconformance"
	_ "google.golang.org/grpc/interop/client"
	_ "google.golang.org/grpc/interop/server"
)
