// Package gentest checks that a package's generated code is what its
// go:generate line makes, so checked-in code cannot go stale unnoticed.
package gentest

import (
	"bufio"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shockwave-rpc/shockwave/internal/gen"
)

// command is how a go:generate line runs `shockwave gen`.
const command = "//go:generate go run github.com/shockwave-rpc/shockwave/cmd/shockwave gen "

// CheckFresh runs the `shockwave gen` command of the go:generate line in
// doc.go of the test's package directory (the current directory, as for
// go generate), in process and into a temporary directory, and fails t
// unless every file it makes is checked in unchanged, and every *.pb.go
// file of the package is one it makes.
func CheckFresh(t testing.TB) {
	t.Helper()
	args := generateArgs(t)
	fs := flag.NewFlagSet("shockwave gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts gen.Options
	var out string
	gen.AddFlags(fs, &opts, &out)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("doc.go's go:generate line: %v", err)
	}
	if err := gen.CheckArgs(fs, &opts); err != nil {
		t.Fatalf("doc.go's go:generate line: %v", err)
	}
	files, err := gen.Generate(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := gen.WriteFiles(tmp, files); err != nil {
		t.Fatal(err)
	}
	pkgDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	const fix = "run `go generate` in this package"
	var made []string
	for _, f := range files {
		name := filepath.FromSlash(f.GetName())
		fresh, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		path, err := filepath.Abs(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, path)
		checkedIn, err := os.ReadFile(path)
		switch {
		case err != nil:
			t.Errorf("stale generated code: %s is missing; %s", path, fix)
		case string(fresh) != string(checkedIn):
			t.Errorf("stale generated code: %s differs from what its .proto makes; %s", path, fix)
		}
	}
	// A file the command no longer makes (its .proto renamed or gone)
	// would still compile into the package.
	onDisk, err := filepath.Glob(filepath.Join(pkgDir, "*.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range onDisk {
		if !slices.Contains(made, path) {
			t.Errorf("%s is not made by doc.go's go:generate line; remove it or %s", path, fix)
		}
	}
}

// generateArgs returns the arguments of the one `shockwave gen` line in
// doc.go. They are split at spaces, as go generate splits them (the lines
// here quote nothing).
func generateArgs(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var args []string
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if rest, ok := strings.CutPrefix(sc.Text(), command); ok {
			args = strings.Fields(rest)
			n++
		}
	}
	if n != 1 {
		t.Fatalf("doc.go has %d go:generate lines running shockwave gen, want 1", n)
	}
	return args
}
