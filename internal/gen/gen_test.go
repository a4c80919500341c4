package gen

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/pluginpb"
)

// moduleRoot returns the root of the Shockwave module, where go commands
// that build generated code must run.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func generatePeer(t *testing.T) []*pluginpb.CodeGeneratorResponse_File {
	t.Helper()
	files, err := Generate(context.Background(), Options{
		ImportPaths: []string{"testdata"},
		Files:       []string{"testdata/peer/v1/peer.proto"},
		Paths:       "source_relative",
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func fileNamed(t *testing.T, files []*pluginpb.CodeGeneratorResponse_File, name string) string {
	t.Helper()
	for _, f := range files {
		if f.GetName() == name {
			return f.GetContent()
		}
	}
	t.Fatalf("%s not generated", name)
	return ""
}

func TestGeneratePeer(t *testing.T) {
	files := generatePeer(t)
	if len(files) != 2 {
		t.Fatalf("generated %d files, want peer.pb.go and peer_shockwave.pb.go", len(files))
	}
	src := fileNamed(t, files, "peer/v1/peer_shockwave.pb.go")
	for _, want := range []string{
		"// source: peer/v1/peer.proto",
		"package peerv1",
		`emptypb "google.golang.org/protobuf/types/known/emptypb"`,
		// Comments from the .proto, and deprecation after them.
		"\t// Old is going away.\n\t//\n\t// Deprecated: Do not use.\n\tOld(ctx context.Context",
		"// LegacyClient is the client API for Legacy service.\n//\n// Legacy is a deprecated service.\n//\n// Deprecated: Do not use.\n",
		"// NewLegacyClient returns a client for Legacy that makes its calls on cc.\n//\n// Deprecated: Do not use.\n",
		// A service without methods still gets its types.
		"type NothingServer interface {\n\tmustEmbedUnimplementedNothingServer()\n}",
		`ServiceName: "shockwave.gentest.peer.v1.Nothing",`,
		// Stream indexes count streaming methods only.
		"&Legacy_ServiceDesc.Streams[1], Legacy_Chat_FullMethodName",
		"&Items_ServiceDesc.Streams[0], Items_Watch_FullMethodName",
		`Metadata: "peer/v1/peer.proto",`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("peer_shockwave.pb.go lacks %q", want)
		}
	}
	if strings.Contains(src, "StaticMethod") {
		t.Error("generated clients must pass call options through without allocating a new slice")
	}
}

// TestGeneratedPeerCompiles type-checks the generated code of peer.proto,
// which uses imports, several services and every call shape, against the
// rpc package, without writing into the source tree.
func TestGeneratedPeerCompiles(t *testing.T) {
	root := moduleRoot(t)
	dir := filepath.Join(root, "internal", "gen", "testdata", "peer", "v1")
	tmp := t.TempDir()
	replace := map[string]string{}
	for _, f := range generatePeer(t) {
		p := filepath.Join(tmp, filepath.Base(f.GetName()))
		if err := os.WriteFile(p, []byte(f.GetContent()), 0o644); err != nil {
			t.Fatal(err)
		}
		replace[filepath.Join(dir, filepath.Base(f.GetName()))] = p
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": replace})
	overlayPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "-overlay", overlayPath, "./internal/gen/testdata/peer/v1")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generated code does not compile: %v\n%s", err, out)
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.proto")
	src := "syntax = \"proto3\";\npackage bad;\nmessage A {\n  string x = 1\n}\nmessage B { Missing m = 1; }\n"
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(context.Background(), Options{ImportPaths: []string{dir}, Files: []string{bad}})
	if err == nil {
		t.Fatal("a syntax error was accepted")
	}
	if !strings.Contains(err.Error(), bad+":5:1: ") {
		t.Fatalf("error %q does not point at %s:5:1", err, bad)
	}

	if err := os.WriteFile(bad, []byte("syntax = \"proto3\";\npackage bad;\nmessage B {\n  Missing m = 1;\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Generate(context.Background(), Options{ImportPaths: []string{dir}, Files: []string{bad}})
	if err == nil || !strings.Contains(err.Error(), bad+":4:3: ") || !strings.Contains(err.Error(), "Missing") {
		t.Fatalf("unresolved type: error %v, want one at %s:4:3 naming Missing", err, bad)
	}
}

func TestFileOutsideImportPaths(t *testing.T) {
	_, err := Generate(context.Background(), Options{ImportPaths: []string{"testdata/peer"}, Files: []string{"gen_test.go"}})
	if err == nil || !strings.Contains(err.Error(), "does not reside within any import path") {
		t.Fatalf("error %v", err)
	}
	_, err = Generate(context.Background(), Options{Files: []string{"no/such.proto"}})
	if err == nil {
		t.Fatal("a missing file was accepted")
	}
	if _, err := Generate(context.Background(), Options{}); err == nil {
		t.Fatal("no files was accepted")
	}
}

func TestBuildRequestOrder(t *testing.T) {
	req, err := BuildRequest(context.Background(), Options{
		ImportPaths: []string{"testdata"},
		Files:       []string{"testdata/peer/v1/peer.proto"},
		Paths:       "source_relative",
		Module:      "example.com/m",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.GetParameter(); got != "paths=source_relative,module=example.com/m" {
		t.Fatalf("parameter %q", got)
	}
	if got := req.GetFileToGenerate(); len(got) != 1 || got[0] != "peer/v1/peer.proto" {
		t.Fatalf("file_to_generate %v", got)
	}
	pos := map[string]int{}
	for i, f := range req.GetProtoFile() {
		pos[f.GetName()] = i
	}
	for _, dep := range []string{"google/protobuf/empty.proto", "google/protobuf/timestamp.proto"} {
		if i, ok := pos[dep]; !ok || i > pos["peer/v1/peer.proto"] {
			t.Errorf("%s must come before the file that imports it: %v", dep, pos)
		}
	}
	if req.GetProtoFile()[pos["peer/v1/peer.proto"]].GetSourceCodeInfo() == nil {
		t.Error("the file to generate must keep its source info, which carries comments")
	}
}

func TestUnsupportedEdition(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "e.proto")
	if err := os.WriteFile(p, []byte("edition = \"2023\";\npackage e;\noption go_package = \"example.com/e\";\nmessage M {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Edition 2023 is supported by both generators; this checks the path
	// through checkEdition that accepts it.
	if _, err := Generate(context.Background(), Options{ImportPaths: []string{dir}, Files: []string{p}}); err != nil {
		t.Fatalf("edition 2023: %v", err)
	}
}

// A file named on the command line must be the one compiled: when an
// earlier -I directory has a file of the same import name, the compiler
// would read that one instead, so the input is refused, as protoc refuses
// it ("Input is shadowed in the --proto_path").
func TestShadowedInput(t *testing.T) {
	dir := t.TempDir()
	x, y := filepath.Join(dir, "x"), filepath.Join(dir, "y")
	for d, msg := range map[string]string{x: "FromX", y: "FromY"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		src := "syntax = \"proto3\";\npackage p;\noption go_package = \"example.com/p\";\nmessage " + msg + " {}\n"
		if err := os.WriteFile(filepath.Join(d, "foo.proto"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Generate(context.Background(), Options{ImportPaths: []string{x, y}, Files: []string{filepath.Join(y, "foo.proto")}})
	if err == nil || !strings.Contains(err.Error(), "shadowed") {
		t.Fatalf("y/foo.proto behind x/foo.proto: error %v, want the input refused as shadowed", err)
	}
	// The file found first is fine, and so is the same file reached
	// through two import paths.
	if _, err := Generate(context.Background(), Options{ImportPaths: []string{x, y}, Files: []string{filepath.Join(x, "foo.proto")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), Options{ImportPaths: []string{y, y}, Files: []string{filepath.Join(y, "foo.proto")}}); err != nil {
		t.Fatal(err)
	}
}

// A .proto without go_package, such as a third-party file imported by the
// one to generate, needs protoc-gen-go's M option, as with protoc.
func TestGoPackageMapping(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dep.proto", "syntax = \"proto3\";\npackage dep;\nmessage R {}\n")
	write("user.proto", "syntax = \"proto3\";\npackage user;\noption go_package = \"example.com/user\";\nimport \"dep.proto\";\nservice U { rpc M(dep.R) returns (dep.R); }\n")
	o := Options{ImportPaths: []string{dir}, Files: []string{filepath.Join(dir, "user.proto")}}
	if _, err := Generate(context.Background(), o); err == nil {
		t.Fatal("dep.proto without go_package and without M was accepted")
	}
	o.GoPackages = []string{"dep.proto=example.com/dep"}
	files, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range files {
		if f.GetName() == "example.com/user/user_shockwave.pb.go" {
			found = strings.Contains(f.GetContent(), `dep "example.com/dep"`)
		}
	}
	if !found {
		t.Fatalf("user_shockwave.pb.go missing or not importing example.com/dep: %v", files)
	}
}
