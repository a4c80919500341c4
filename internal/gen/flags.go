package gen

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// stringsFlag collects a repeatable flag such as -I.
type stringsFlag []string

// String lists the values given so far, for flag's defaults display.
func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

// Set adds one more value.
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// AddFlags defines `shockwave gen`'s flags on fs, filling opts and out
// (the output directory). The command and the staleness tests of the
// generated packages (internal/gen/gentest) parse a command line with it,
// so a go:generate line means the same to both.
func AddFlags(fs *flag.FlagSet, opts *Options, out *string) {
	fs.Var((*stringsFlag)(&opts.ImportPaths), "I", "directory to resolve imports against, like protoc's -I (repeatable; default .)")
	fs.StringVar(out, "o", ".", "directory to write generated files under")
	fs.StringVar(&opts.Paths, "paths", "import", "output layout: import (under the Go import path) or source_relative (beside the .proto's import path)")
	fs.StringVar(&opts.Module, "module", "", "with --paths=import, a Go module path to strip from output names")
	fs.Var((*stringsFlag)(&opts.GoPackages), "M", "file.proto=import/path: the Go package of a .proto file, as protoc-gen-go's M option (repeatable)")
	fs.BoolVar(&opts.PrivateRegistry, "private_registry", false, "register descriptors and types in the generated package's Files and Types, not protobuf's global registries")
}

// ErrNoFiles is CheckArgs's error for a command line naming no .proto file.
var ErrNoFiles = errors.New("no .proto files given")

// CheckArgs finishes a command line parsed with AddFlags: the remaining
// arguments are the .proto files, and the options must make sense.
func CheckArgs(fs *flag.FlagSet, opts *Options) error {
	if opts.Paths != "import" && opts.Paths != "source_relative" {
		return fmt.Errorf("--paths must be import or source_relative, not %q", opts.Paths)
	}
	for _, m := range opts.GoPackages {
		if file, pkg, ok := strings.Cut(m, "="); !ok || file == "" || pkg == "" || strings.Contains(m, ",") {
			return fmt.Errorf("-M %s: want file.proto=import/path", m)
		}
	}
	opts.Files = fs.Args()
	if len(opts.Files) == 0 {
		return ErrNoFiles
	}
	return nil
}
