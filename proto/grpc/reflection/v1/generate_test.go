package reflectionv1_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

// regenerate is the command in doc.go's go:generate line, run from this
// directory. The test runs the same code path with the same options.
const regenerate = "go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../../.. -o ../../.. --paths=source_relative --private_registry reflection.proto"

func TestGeneratedCodeIsFresh(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "//go:generate "+regenerate+"\n") {
		t.Fatalf("doc.go's go:generate line is not %q; keep them in step", regenerate)
	}
	files, err := gen.Generate(context.Background(), gen.Options{
		ImportPaths:     []string{"../../.."},
		Files:           []string{"reflection.proto"},
		Paths:           "source_relative",
		PrivateRegistry: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := gen.WriteFiles(out, files); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"grpc/reflection/v1/reflection.pb.go":           true,
		"grpc/reflection/v1/reflection_shockwave.pb.go": true,
		"grpc/reflection/v1/shockwave_registry.pb.go":   true,
	}
	for _, f := range files {
		if !want[f.GetName()] {
			t.Errorf("unexpected generated file %s", f.GetName())
			continue
		}
		delete(want, f.GetName())
		fresh, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.GetName())))
		if err != nil {
			t.Fatal(err)
		}
		checkedIn, err := os.ReadFile(filepath.Join("../../..", filepath.FromSlash(f.GetName())))
		if err != nil {
			t.Fatalf("stale generated code: %s is missing; run `go generate ./proto/grpc/reflection/v1` (%s in proto/grpc/reflection/v1)", f.GetName(), regenerate)
		}
		if string(fresh) != string(checkedIn) {
			t.Errorf("stale generated code: proto/%s differs from what reflection.proto generates; run `go generate ./proto/grpc/reflection/v1` (%s in proto/grpc/reflection/v1)", f.GetName(), regenerate)
		}
	}
	for name := range want {
		t.Errorf("%s was not generated", name)
	}
}
