package gen

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
)

// RegistryFile is the name of the file, beside a package's .pb.go files,
// that declares the package's private registries under the
// private_registry parameter.
//
// The private registry exists because protobuf-go registers every generated
// .proto file in protoregistry.GlobalFiles and panics when a binary links
// two Go packages generated from the same file
// (https://protobuf.dev/reference/go/faq#namespace-conflict). A package
// that vendors a well-known .proto, such as grpc/health/v1/health.proto,
// which grpc-go generates too, can only share a binary with grpc-go's if
// one of the two keeps out of the global registry. The proto package names
// stay as they are, so the wire format and service paths do not change.
//
// The name ends in .pb.go like every generated file, and no .proto but a
// shockwave_registry.proto can produce it, which private_registry refuses.
const RegistryFile = "shockwave_registry.pb.go"

const (
	protoregistryPackage = protogen.GoImportPath("google.golang.org/protobuf/reflect/protoregistry")
	protoimplPackage     = "google.golang.org/protobuf/runtime/protoimpl"
)

// The names of the registries a private_registry package declares. They
// are exported so that a resolver outside the package, such as
// rpc/reflection's, can find the package's descriptors.
const (
	privateFilesVar = "Files"
	privateTypesVar = "Types"
)

// checkPrivateRegistry refuses what the private registry cannot serve.
//
// Every import of a privately registered file must be a file of the same Go
// package generated in the same run, so that it registers in the same
// private registry first (protoc-gen-go calls the init function of a
// same-package import before building the file). protobuf-go resolves a
// file's imports in the registry the file is built with, and makes an
// import it does not find there a placeholder: without this check a file
// importing, say, google/protobuf/empty.proto would link, but its
// descriptor would name an empty placeholder for the import, and reflection
// would describe it wrongly. Falling back to GlobalFiles would cover the
// well-known types, but not imports from another package's private
// registry, which no generator run can see; refusing keeps each private
// registry a closed set of files, which is what a resolver chained after
// GlobalFiles expects.
//
// annotate_code is refused because its .meta file gives byte offsets into
// protoc-gen-go's output, which rewriting the init function moves.
func checkPrivateRegistry(plugin *protogen.Plugin) error {
	for _, param := range strings.Split(plugin.Request.GetParameter(), ",") {
		if name, value, _ := strings.Cut(param, "="); name == "annotate_code" && value != "false" {
			return errors.New("private_registry cannot be combined with annotate_code")
		}
	}
	for _, f := range plugin.Files {
		if !f.Generate {
			continue
		}
		if f.GeneratedFilenamePrefix+".pb.go" == registryFileName(f) {
			return fmt.Errorf("%s: with private_registry, its generated file would be %s, the name of the package's registry file; rename the .proto", f.Desc.Path(), RegistryFile)
		}
		imports := f.Desc.Imports()
		for i := range imports.Len() {
			imp := plugin.FilesByPath[imports.Get(i).Path()]
			if imp == nil || !imp.Generate || imp.GoImportPath != f.GoImportPath {
				return fmt.Errorf("%s imports %s, which private_registry cannot resolve: a privately registered file may import only files of its own Go package generated in the same run, which share its registry", f.Desc.Path(), imports.Get(i).Path())
			}
		}
	}
	return nil
}

// registryFileName is where f's package declares its registries: beside
// f's generated files.
func registryFileName(f *protogen.File) string {
	return path.Join(path.Dir(f.GeneratedFilenamePrefix), RegistryFile)
}

// registerPrivately replaces g, protoc-gen-go's file for f, with the same
// code registering in the package's private registries: see
// withPrivateRegistry.
func registerPrivately(plugin *protogen.Plugin, f *protogen.File, g *protogen.GeneratedFile) error {
	src, err := g.Content()
	if err != nil {
		return err
	}
	g.Skip()
	src, err = withPrivateRegistry(src)
	if err != nil {
		return fmt.Errorf("%s: private_registry: %w", f.Desc.Path(), err)
	}
	// protogen reformats the file when it writes the response, with the
	// printer settings protoc-gen-go's output went through, which aligns
	// the two added fields with their neighbours.
	_, err = plugin.NewGeneratedFile(f.GeneratedFilenamePrefix+".pb.go", f.GoImportPath).Write(src)
	return err
}

// withPrivateRegistry rewrites src, a file protoc-gen-go generated, so that
// its init function registers the file's descriptor in the package's Files
// and its types in the package's Types instead of protobuf's global
// registries. It sets the FileRegistry field of the protoimpl.DescBuilder
// and the TypeRegistry field of the protoimpl.TypeBuilder that protobuf-go
// provides for this (both default to the global registries when nil) and
// changes nothing else. It fails unless src has exactly one TypeBuilder
// literal with a DescBuilder under File, and neither field set, so that a
// change in protoc-gen-go's output shows as an error here rather than as
// code that still registers globally.
func withPrivateRegistry(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	impl := ""
	for _, imp := range file.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == protoimplPackage {
			impl = path.Base(p)
			if imp.Name != nil {
				impl = imp.Name.Name
			}
		}
	}
	if impl == "" {
		return nil, fmt.Errorf("the generated code does not import %s", protoimplPackage)
	}
	if err := checkFreeNames(file); err != nil {
		return nil, err
	}

	var builders []*ast.CompositeLit
	ast.Inspect(file, func(n ast.Node) bool {
		if lit, ok := n.(*ast.CompositeLit); ok && isSelector(lit.Type, impl, "TypeBuilder") {
			builders = append(builders, lit)
		}
		return true
	})
	if len(builders) != 1 {
		return nil, fmt.Errorf("the generated code has %d %s.TypeBuilder literals, want 1", len(builders), impl)
	}
	typeBuilder := builders[0]
	var descBuilder *ast.CompositeLit
	for _, e := range typeBuilder.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("the %s.TypeBuilder literal has an unkeyed field", impl)
		}
		switch key(kv) {
		case "TypeRegistry":
			return nil, fmt.Errorf("the %s.TypeBuilder literal already sets TypeRegistry", impl)
		case "File":
			if lit, ok := kv.Value.(*ast.CompositeLit); ok && isSelector(lit.Type, impl, "DescBuilder") {
				descBuilder = lit
			}
		}
	}
	if descBuilder == nil {
		return nil, fmt.Errorf("the %s.TypeBuilder literal has no File: %s.DescBuilder{...}", impl, impl)
	}
	for _, e := range descBuilder.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); !ok || key(kv) == "FileRegistry" {
			return nil, fmt.Errorf("the %s.DescBuilder literal already sets FileRegistry or has an unkeyed field", impl)
		}
	}

	// Each field goes in before the closing brace of its literal, the
	// DescBuilder's first since it ends earlier.
	descEnd := fset.Position(descBuilder.Rbrace).Offset
	typeEnd := fset.Position(typeBuilder.Rbrace).Offset
	var out []byte
	out = append(out, src[:descEnd]...)
	out = append(out, "FileRegistry: "+privateFilesVar+",\n"...)
	out = append(out, src[descEnd:typeEnd]...)
	out = append(out, "TypeRegistry: "+privateTypesVar+",\n"...)
	out = append(out, src[typeEnd:]...)
	return out, nil
}

// checkFreeNames fails if file declares a package-level name the registry
// file declares, such as a message named Files.
func checkFreeNames(file *ast.File) error {
	for _, d := range file.Decls {
		var names []*ast.Ident
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				names = append(names, d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name)
				case *ast.ValueSpec:
					names = append(names, s.Names...)
				}
			}
		}
		for _, n := range names {
			if n.Name == privateFilesVar || n.Name == privateTypesVar {
				return fmt.Errorf("the generated code declares %s, which the private registry file declares too; rename the message or enum", n.Name)
			}
		}
	}
	return nil
}

func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == pkg && sel.Sel.Name == name
}

func key(kv *ast.KeyValueExpr) string {
	if id, ok := kv.Key.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// generateRegistry writes the registry file of f's Go package, which
// declares the Files and Types the package's rewritten init functions
// register in. Its content depends on the package alone, so that runs
// generating different files of one package write the same file.
func generateRegistry(plugin *protogen.Plugin, f *protogen.File) {
	g := plugin.NewGeneratedFile(registryFileName(f), f.GoImportPath)
	g.P("// Code generated by protoc-gen-shockwave. DO NOT EDIT.")
	g.P("// versions:")
	g.P("// - protoc-gen-shockwave v", Version)
	g.P("// - protoc               ", compilerVersion(plugin))
	g.P()
	g.P("package ", f.GoPackageName)
	g.P()
	g.P("// Files holds the descriptors of this package's .proto files, generated")
	g.P("// with protoc-gen-shockwave's private_registry option: they register here")
	g.P("// and not in protoregistry.GlobalFiles, so that this package can share a")
	g.P("// binary with another Go package generated from the same .proto files,")
	g.P("// which protobuf-go forbids for globally registered files. Code that looks")
	g.P("// descriptors up by name, such as a server reflection service, must")
	g.P("// consult Files as well as GlobalFiles.")
	g.P("var ", privateFilesVar, " = new(", protoregistryPackage.Ident("Files"), ")")
	g.P()
	g.P("// Types holds the message, enum and extension types of this package, which")
	g.P("// register here and not in protoregistry.GlobalTypes for the same reason.")
	g.P("// Resolving one of them by name, as for a google.protobuf.Any, needs Types.")
	g.P("var ", privateTypesVar, " = new(", protoregistryPackage.Ident("Types"), ")")
}
