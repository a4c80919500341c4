package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

const genUsage = `usage: shockwave gen [-I dir]... [-o dir] [--paths=import|source_relative] [--module=path] [-M file.proto=import/path]... [--private_registry] file.proto...

Generates Go messages (as protoc-gen-go does) and Shockwave service stubs (as
protoc-gen-shockwave does) from .proto files, parsing them in Go: no protoc
needed. Imports of google/protobuf/*.proto resolve without -I.

--private_registry registers the generated descriptors and types in
registries of each generated package, its Files and Types (declared in
shockwave_registry.pb.go), instead of protoregistry.GlobalFiles and
GlobalTypes. protobuf-go panics when two Go packages generated from one
.proto file both register globally; with the option, a package vendoring
such a file (grpc/health/v1/health.proto, say) can share a binary with
grpc-go's copy. Proto names, the wire format and service paths do not
change. A file generated so may import only files of its own Go package
generated in the same run. It is protoc-gen-shockwave's
private_registry=true.

flags:
`

func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shockwave gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts gen.Options
	var out string
	gen.AddFlags(fs, &opts, &out)
	fs.Usage = func() {
		fmt.Fprint(stderr, genUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if err := gen.CheckArgs(fs, &opts); err != nil {
		fmt.Fprintf(stderr, "shockwave gen: %v\n", err)
		if err == gen.ErrNoFiles {
			fmt.Fprintln(stderr)
			fs.Usage()
		}
		return 2
	}
	files, err := gen.Generate(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(stderr, "shockwave gen: %v\n", err)
		return 1
	}
	if err := gen.WriteFiles(out, files); err != nil {
		fmt.Fprintf(stderr, "shockwave gen: %v\n", err)
		return 1
	}
	return 0
}
