package grpc_testing_test

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
const regenerate = "go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen -I ../proto -o .. --paths=import --module=github.com/shockwave-rpc/shockwave/interop " +
	"../proto/grpc/testing/empty.proto ../proto/grpc/testing/messages.proto ../proto/grpc/testing/test.proto"

func TestGeneratedCodeIsFresh(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "//go:generate "+regenerate+"\n") {
		t.Fatalf("doc.go's go:generate line is not %q; keep them in step", regenerate)
	}
	files, err := gen.Generate(context.Background(), gen.Options{
		ImportPaths: []string{"../proto"},
		Files: []string{
			"../proto/grpc/testing/empty.proto",
			"../proto/grpc/testing/messages.proto",
			"../proto/grpc/testing/test.proto",
		},
		Paths:  "import",
		Module: "github.com/shockwave-rpc/shockwave/interop",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"grpc_testing/empty.pb.go":          true,
		"grpc_testing/messages.pb.go":       true,
		"grpc_testing/test.pb.go":           true,
		"grpc_testing/test_shockwave.pb.go": true,
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
		checkedIn, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(name)))
		if err != nil || string(fresh) != string(checkedIn) {
			t.Errorf("stale generated code: interop/%s differs from what the .proto files generate; run `go generate ./grpc_testing` in interop/", name)
		}
	}
	for name := range want {
		t.Errorf("%s was not generated", name)
	}
}
