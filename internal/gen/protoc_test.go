package gen

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// protocEnv names the environment variable that turns on the protoc peer
// check. It is opt-in because protoc is a system package: `make test`
// installs it and sets the variable, so the check runs in CI and cannot pass
// by skipping there.
const protocEnv = "SHOCKWAVE_TEST_PROTOC"

// protocVersionLine matches the header line that names the compiler, the
// one line in which protoc's run and `shockwave gen` must differ: protoc
// reports its version, `shockwave gen` reports "(unknown)" as protoc-gen-go
// does when no compiler version is given.
var protocVersionLine = regexp.MustCompile(`(?m)^// (\t|- )protoc +\S+$`)

// TestProtocPeer runs real protoc with protoc-gen-go (built from the
// protobuf module this module requires) and protoc-gen-shockwave, and
// checks that `shockwave gen` writes byte-identical files, with and
// without private_registry.
func TestProtocPeer(t *testing.T) {
	if os.Getenv(protocEnv) == "" {
		t.Skip(protocEnv + " is not set; `make test` sets it after installing protoc")
	}
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Fatalf("%s is set but protoc is not on PATH: %v", protocEnv, err)
	}
	root := moduleRoot(t)
	bin := t.TempDir()
	for pkg, name := range map[string]string{
		"google.golang.org/protobuf/cmd/protoc-gen-go": "protoc-gen-go",
		"./cmd/protoc-gen-shockwave":                   "protoc-gen-shockwave",
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, out)
		}
	}

	// Under private_registry, protoc-gen-shockwave writes the messages
	// too, and protoc-gen-go does not run.
	cases := []struct {
		name       string
		importPath string
		files      []string
		private    bool
	}{
		{"echo.proto", filepath.Join(root, "proto"), []string{filepath.Join(root, "proto", "echo", "v1", "echo.proto")}, false},
		{"peer.proto", filepath.Join(root, "internal", "gen", "testdata"), []string{filepath.Join(root, "internal", "gen", "testdata", "peer", "v1", "peer.proto")}, false},
		{"private_registry/health.proto", filepath.Join(root, "proto"), []string{filepath.Join(root, "proto", "grpc", "health", "v1", "health.proto")}, true},
		{"private_registry/private", filepath.Join(root, "internal", "gen", "testdata"), []string{
			filepath.Join(root, "internal", "gen", "testdata", "private", "v1", "base.proto"),
			filepath.Join(root, "internal", "gen", "testdata", "private", "v1", "private.proto"),
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			args := []string{
				"-I", c.importPath,
				"--plugin=protoc-gen-go=" + filepath.Join(bin, "protoc-gen-go"),
				"--plugin=protoc-gen-shockwave=" + filepath.Join(bin, "protoc-gen-shockwave"),
				"--shockwave_out=" + out,
			}
			if c.private {
				args = append(args, "--shockwave_opt=paths=source_relative,private_registry=true")
			} else {
				args = append(args, "--go_out="+out, "--go_opt=paths=source_relative", "--shockwave_opt=paths=source_relative")
			}
			cmd := exec.Command(protoc, append(args, c.files...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("protoc: %v\n%s", err, b)
			}
			files, err := Generate(context.Background(), Options{
				ImportPaths:     []string{c.importPath},
				Files:           c.files,
				Paths:           "source_relative",
				PrivateRegistry: c.private,
			})
			if err != nil {
				t.Fatal(err)
			}
			var written []string
			err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(out, p)
					written = append(written, filepath.ToSlash(rel))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(written) {
				t.Fatalf("shockwave gen wrote %d files, protoc %d (%q)", len(files), len(written), written)
			}
			for _, f := range files {
				want, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.GetName())))
				if err != nil {
					t.Fatalf("protoc did not write %s: %v", f.GetName(), err)
				}
				w := protocVersionLine.ReplaceAllString(string(want), "// protoc version")
				g := protocVersionLine.ReplaceAllString(f.GetContent(), "// protoc version")
				if w == string(want) {
					t.Fatalf("%s from protoc has no protoc version line to normalise", f.GetName())
				}
				if g != w {
					t.Errorf("%s: shockwave gen and protoc differ\n--- shockwave gen\n%s\n--- protoc\n%s", f.GetName(), g, w)
				}
			}
		})
	}
}
