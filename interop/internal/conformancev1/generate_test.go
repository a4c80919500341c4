package conformancev1_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

var protos = []string{"client_compat", "config", "server_compat", "service"}

const goPackageLine = "option go_package = \"github.com/shockwave-rpc/shockwave/interop/internal/conformancev1;conformancev1\";\n"

func protoPaths() []string {
	var out []string
	for _, p := range protos {
		out = append(out, "../../proto/connectrpc/conformance/v1/"+p+".proto")
	}
	return out
}

// TestProtosMatchModule checks the checked-in .proto files against the
// connectrpc.com/conformance module in the module graph: the same text but
// for the go_package option.
func TestProtosMatchModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "connectrpc.com/conformance").Output()
	if err != nil {
		t.Fatalf("go list -m connectrpc.com/conformance: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	for _, p := range protos {
		orig, err := os.ReadFile(filepath.Join(dir, "proto", "connectrpc", "conformance", "v1", p+".proto"))
		if err != nil {
			t.Fatal(err)
		}
		ours, err := os.ReadFile(filepath.Join("..", "..", "proto", "connectrpc", "conformance", "v1", p+".proto"))
		if err != nil {
			t.Fatal(err)
		}
		stripped := bytes.Replace(ours, []byte("\n"+goPackageLine), nil, 1)
		if !bytes.Equal(stripped, orig) {
			t.Errorf("proto/connectrpc/conformance/v1/%s.proto is not the module's copy plus the go_package line; copy it again from %s", p, dir)
		}
	}
}

func TestGeneratedCodeIsFresh(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	regenerate := "go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../proto -o ../.. --paths=import --module=github.com/shockwave-rpc/shockwave/interop " +
		strings.Join(protoPaths(), " ")
	if !strings.Contains(string(doc), "//go:generate "+regenerate+"\n") {
		t.Fatalf("doc.go's go:generate line is not %q; keep them in step", regenerate)
	}
	files, err := gen.Generate(context.Background(), gen.Options{
		ImportPaths: []string{"../../proto"},
		Files:       protoPaths(),
		Paths:       "import",
		Module:      "github.com/shockwave-rpc/shockwave/interop",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"internal/conformancev1/service_shockwave.pb.go": true}
	for _, p := range protos {
		want["internal/conformancev1/"+p+".pb.go"] = true
	}
	out := t.TempDir()
	if err := gen.WriteFiles(out, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := f.GetName()
		if !want[name] {
			t.Errorf("unexpected generated file %s", name)
			continue
		}
		delete(want, name)
		fresh, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		checkedIn, err := os.ReadFile(filepath.Join("../..", filepath.FromSlash(name)))
		if err != nil || string(fresh) != string(checkedIn) {
			t.Errorf("stale generated code: interop/%s differs from what the .proto files generate; run `go generate ./internal/conformancev1` in interop/", name)
		}
	}
	for name := range want {
		t.Errorf("%s was not generated", name)
	}
}
