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
// It accepts protoc-gen-go's parameters (paths, module, M). `shockwave gen`
// produces the same files without protoc.
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
	protogen.Options{}.Run(func(p *protogen.Plugin) error {
		p.SupportedFeatures = gen.SupportedFeatures
		p.SupportedEditionsMinimum = gen.SupportedEditionsMinimum
		p.SupportedEditionsMaximum = gen.SupportedEditionsMaximum
		for _, f := range p.Files {
			if f.Generate {
				gen.GenerateFile(p, f)
			}
		}
		return nil
	})
}
