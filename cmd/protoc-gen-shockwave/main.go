// Command protoc-gen-shockwave is the protoc and buf plugin that writes
// Shockwave service stubs: for each .proto file with services, a
// <name>_shockwave.pb.go beside protoc-gen-go's <name>.pb.go, holding a typed
// client, a server interface, an Unimplemented server to embed and a
// register function.
//
// Install it on PATH and run, for example:
//
//	protoc --go_out=. --go_opt=paths=source_relative \
//	  --shockwave_out=. --shockwave_opt=paths=source_relative echo.proto
//
// It accepts protoc-gen-go's parameters (paths, module, M) and one of its
// own, and refuses any other:
//
//	private_registry=true
//	    Register the generated descriptors and types in registries of the
//	    generated package (its Files and Types, declared in
//	    shockwave_registry.pb.go) instead of protobuf's global ones, so that
//	    the package can share a binary with another one generated from the
//	    same .proto files, such as grpc-go's copy of a vendored
//	    grpc/health/v1/health.proto. The proto names, and so the wire format
//	    and service paths, do not change. A file generated so may import
//	    only files of its own Go package generated in the same run. Because
//	    this rewrites protoc-gen-go's output, the plugin then writes the
//	    <name>.pb.go files itself: leave those .proto files out of --go_out
//	    (protoc refuses two plugins writing one file).
//
// `shockwave gen` produces the same files without protoc.
package main

import (
	"fmt"
	"os"

	"google.golang.org/protobuf/compiler/protogen"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("protoc-gen-shockwave v" + gen.Version)
		return
	}
	var params gen.Params
	protogen.Options{ParamFunc: params.Set}.Run(func(p *protogen.Plugin) error {
		p.SupportedFeatures = gen.SupportedFeatures
		p.SupportedEditionsMinimum = gen.SupportedEditionsMinimum
		p.SupportedEditionsMaximum = gen.SupportedEditionsMaximum
		return gen.RunPlugin(p, params)
	})
}
