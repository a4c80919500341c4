package gen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/reporter"
	gengo "google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// Options say what `shockwave gen` compiles and how it names its output.
type Options struct {
	// ImportPaths are the directories imports are resolved against, like
	// protoc's -I. Empty means the current directory.
	ImportPaths []string
	// Files are the .proto files to generate code for, as paths on disk;
	// each must lie under one of ImportPaths, and its name for imports is
	// its path relative to that directory, as with protoc.
	Files []string
	// Paths is protoc-gen-go's paths option: "import" (the default) puts
	// output under its Go import path, "source_relative" next to the
	// .proto's import-relative path.
	Paths string
	// Module is protoc-gen-go's module option: a Go module path stripped
	// from the front of output names when Paths is "import".
	Module string
	// GoPackages are protoc-gen-go's M options, each "file.proto=import/path"
	// (optionally ";name"): the Go package of a .proto file that has no
	// go_package option, or whose go_package is to be overridden.
	GoPackages []string
	// PrivateRegistry is the private_registry parameter: see
	// Params.PrivateRegistry.
	PrivateRegistry bool
}

// Parameter returns the plugin parameter string protoc would pass for o,
// such as "paths=source_relative".
func (o Options) Parameter() string {
	var params []string
	if o.Paths != "" {
		params = append(params, "paths="+o.Paths)
	}
	if o.Module != "" {
		params = append(params, "module="+o.Module)
	}
	for _, m := range o.GoPackages {
		params = append(params, "M"+m)
	}
	if o.PrivateRegistry {
		params = append(params, "private_registry=true")
	}
	return strings.Join(params, ",")
}

// Params are the plugin parameters of protoc-gen-shockwave beyond those
// protogen handles for every plugin (paths, module, M and annotate_code).
type Params struct {
	// PrivateRegistry (private_registry=true) makes each generated
	// package register its .proto files and types in registries of its
	// own, the Files and Types variables of RegistryFile, instead of
	// protoregistry.GlobalFiles and GlobalTypes, so that it can share a
	// binary with another package generated from the same .proto files.
	// Every import of a file generated so must be a file of the same Go
	// package generated in the same run. Since it changes protoc-gen-go's
	// output, protoc-gen-shockwave then writes the messages too, in place
	// of protoc-gen-go.
	PrivateRegistry bool
}

// Set sets the parameter name to value, as protogen.Options.ParamFunc. It
// refuses parameters it does not know, so that a misspelt
// private_registry fails rather than generate globally registered code.
func (p *Params) Set(name, value string) error {
	switch name {
	case "private_registry":
		switch value {
		case "", "true":
			p.PrivateRegistry = true
		case "false":
			p.PrivateRegistry = false
		default:
			return fmt.Errorf("private_registry=%s: want true or false", value)
		}
		return nil
	}
	return fmt.Errorf("unknown parameter %q", name)
}

// Generate compiles the .proto files of o and returns the generated files:
// protoc-gen-go's messages and this package's service stubs, exactly as
// `protoc --go_out --shockwave_out` would produce them but without protoc
// (with PrivateRegistry, as `protoc --shockwave_out
// --shockwave_opt=private_registry=true`).
func Generate(ctx context.Context, o Options) ([]*pluginpb.CodeGeneratorResponse_File, error) {
	req, err := BuildRequest(ctx, o)
	if err != nil {
		return nil, err
	}
	return Run(req)
}

// BuildRequest parses and links the .proto files of o with protocompile
// and returns the request protoc would send a plugin for them.
func BuildRequest(ctx context.Context, o Options) (*pluginpb.CodeGeneratorRequest, error) {
	if len(o.Files) == 0 {
		return nil, errors.New("no .proto files given")
	}
	importPaths := o.ImportPaths
	if len(importPaths) == 0 {
		importPaths = []string{"."}
	}
	names := make([]string, len(o.Files))
	for i, f := range o.Files {
		name, err := importName(importPaths, f)
		if err != nil {
			return nil, err
		}
		names[i] = name
	}

	var errs []error
	comp := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: importPaths}),
		SourceInfoMode: protocompile.SourceInfoStandard,
		// Collect every error rather than stopping at the first, so one run
		// shows all that is wrong with the files.
		Reporter: reporter.NewReporter(func(err reporter.ErrorWithPos) error {
			errs = append(errs, positionedError(importPaths, err))
			return nil
		}, nil),
	}
	files, err := comp.Compile(ctx, names...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err != nil {
		return nil, err
	}

	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: names}
	if p := o.Parameter(); p != "" {
		req.Parameter = proto.String(p)
	}
	// protoc lists every file a plugin may need, each after its imports.
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			add(imports.Get(i).FileDescriptor)
		}
		req.ProtoFile = append(req.ProtoFile, fileProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	return req, nil
}

// fileProto returns the descriptor of fd as a plugin receives it. Files
// compiled from source keep their source info, which carries the comments
// copied into generated code.
func fileProto(fd protoreflect.FileDescriptor) *descriptorpb.FileDescriptorProto {
	if r, ok := fd.(linker.Result); ok {
		return r.FileDescriptorProto()
	}
	return protodesc.ToFileDescriptorProto(fd)
}

// importName returns the name by which file is known to imports: its path
// relative to the first import path that contains it, with forward slashes.
func importName(importPaths []string, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", err
	}
	for i, ip := range importPaths {
		ipAbs, err := filepath.Abs(ip)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(ipAbs, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		// Imports, and the compiler, find a name in the first import path
		// that has it: a file of the same name in an earlier import path
		// would be compiled in place of this one. protoc refuses that too.
		for _, earlier := range importPaths[:i] {
			shadow := filepath.Join(earlier, rel)
			if same, err := sameFile(shadow, abs); err == nil && !same {
				return "", fmt.Errorf("%s: input is shadowed in the -I path by %s; either use the latter file as your input or reorder the -I paths so that the former file's location comes first", file, shadow)
			}
		}
		return filepath.ToSlash(rel), nil
	}
	return "", fmt.Errorf("%s: file does not reside within any import path given with -I (%s)", file, strings.Join(importPaths, ", "))
}

// sameFile reports whether a and b are the same file; it fails if a does
// not exist.
func sameFile(a, b string) (bool, error) {
	ai, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	bi, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ai, bi), nil
}

// positionedError reports err at the file's path on disk, not its import
// name, so editors and terminals can jump to file:line:col.
func positionedError(importPaths []string, err reporter.ErrorWithPos) error {
	pos := err.GetPosition()
	file := pos.Filename
	for _, ip := range importPaths {
		p := filepath.Join(ip, filepath.FromSlash(pos.Filename))
		if _, statErr := os.Stat(p); statErr == nil {
			file = p
			break
		}
	}
	return fmt.Errorf("%s:%d:%d: %w", file, pos.Line, pos.Col, err.Unwrap())
}

// Run runs protoc-gen-go's generator and this package's service generator
// on req in process, as protoc would run protoc-gen-go and
// protoc-gen-shockwave with the same request, and returns their files.
func Run(req *pluginpb.CodeGeneratorRequest) ([]*pluginpb.CodeGeneratorResponse_File, error) {
	var p Params
	plugin, err := protogen.Options{ParamFunc: p.Set}.New(req)
	if err != nil {
		return nil, err
	}
	if err := generate(plugin, p, true); err != nil {
		return nil, err
	}
	resp := plugin.Response()
	if resp.Error != nil {
		return nil, errors.New(resp.GetError())
	}
	return resp.File, nil
}

// RunPlugin is protoc-gen-shockwave's generator: the service stubs of the
// files to generate and, under p.PrivateRegistry, their messages as well,
// which protoc-gen-go cannot write then.
func RunPlugin(plugin *protogen.Plugin, p Params) error {
	return generate(plugin, p, p.PrivateRegistry)
}

// generate writes the files of plugin's files to generate: protoc-gen-go's
// messages when messages is set, then the service stubs; under
// p.PrivateRegistry the messages register in their package's private
// registries, which a registry file per package declares.
func generate(plugin *protogen.Plugin, p Params, messages bool) error {
	if p.PrivateRegistry {
		if err := checkPrivateRegistry(plugin); err != nil {
			return err
		}
	}
	registries := make(map[protogen.GoImportPath]bool)
	for _, f := range plugin.Files {
		if !f.Generate {
			continue
		}
		if messages {
			if err := checkEdition(f); err != nil {
				return err
			}
			g := gengo.GenerateFile(plugin, f)
			if p.PrivateRegistry {
				if err := registerPrivately(plugin, f, g); err != nil {
					return err
				}
				if !registries[f.GoImportPath] {
					registries[f.GoImportPath] = true
					generateRegistry(plugin, f)
				}
			}
		}
		GenerateFile(plugin, f)
	}
	return nil
}

// checkEdition refuses a file in an edition a generator does not support,
// which protoc checks against the plugin's response.
func checkEdition(f *protogen.File) error {
	if f.Proto.GetSyntax() != "editions" {
		return nil
	}
	e := f.Proto.GetEdition()
	lo, hi := max(gengo.SupportedEditionsMinimum, SupportedEditionsMinimum), min(gengo.SupportedEditionsMaximum, SupportedEditionsMaximum)
	if e < lo || e > hi {
		return fmt.Errorf("%s: edition %v is not supported (supported: %v to %v)", f.Desc.Path(), e, lo, hi)
	}
	return nil
}

// WriteFiles writes generated files under dir, creating directories as
// needed.
func WriteFiles(dir string, files []*pluginpb.CodeGeneratorResponse_File) error {
	for _, f := range files {
		if f.GetInsertionPoint() != "" {
			return fmt.Errorf("%s: insertion points are not supported", f.GetName())
		}
		p := filepath.Join(dir, filepath.FromSlash(f.GetName()))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
