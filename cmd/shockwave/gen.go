package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

const genUsage = `usage: shockwave gen [-I dir]... [-o dir] [--paths=import|source_relative] [--module=path] [--private_registry] file.proto...

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

// stringsFlag collects a repeatable flag such as -I.
type stringsFlag []string

// String lists the values given so far, for flag's defaults display.
func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

// Set adds one more value.
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runGen(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shockwave gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts gen.Options
	var out string
	fs.Var((*stringsFlag)(&opts.ImportPaths), "I", "directory to resolve imports against, like protoc's -I (repeatable; default .)")
	fs.StringVar(&out, "o", ".", "directory to write generated files under")
	fs.StringVar(&opts.Paths, "paths", "import", "output layout: import (under the Go import path) or source_relative (beside the .proto's import path)")
	fs.StringVar(&opts.Module, "module", "", "with --paths=import, a Go module path to strip from output names")
	fs.BoolVar(&opts.PrivateRegistry, "private_registry", false, "register descriptors and types in the generated package's Files and Types, not protobuf's global registries")
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
	if opts.Paths != "import" && opts.Paths != "source_relative" {
		fmt.Fprintf(stderr, "shockwave gen: --paths must be import or source_relative, not %q\n", opts.Paths)
		return 2
	}
	opts.Files = fs.Args()
	if len(opts.Files) == 0 {
		fmt.Fprint(stderr, "shockwave gen: no .proto files given\n\n")
		fs.Usage()
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
