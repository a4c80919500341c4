// Package echov1 is the generated code of shockwave.echo.v1 (echo.proto):
// the EchoService messages and its Shockwave client and server stubs.
//
// The generated files are checked in; a test fails when they are stale.
package echov1

//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../.. -o ../.. --paths=source_relative echo.proto
