package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenWritesFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "protos", "svc", "v1")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	proto := `syntax = "proto3";
package svc.v1;
import "google/protobuf/empty.proto";
option go_package = "example.com/m/gen/svc/v1;svcv1";
service Pinger { rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty); }
`
	if err := os.WriteFile(filepath.Join(src, "svc.proto"), []byte(proto), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"gen", "-I", filepath.Join(dir, "protos"), "-o", out, "--module=example.com/m", filepath.Join(src, "svc.proto")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	for _, name := range []string{"gen/svc/v1/svc.pb.go", "gen/svc/v1/svc_shockwave.pb.go"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("--paths=import --module should write %s: %v", name, err)
		}
		if !bytes.Contains(b, []byte("package svcv1")) {
			t.Errorf("%s is not the svcv1 package", name)
		}
	}
}

func TestGenPrivateRegistry(t *testing.T) {
	dir := t.TempDir()
	proto := `syntax = "proto3";
package svc.v1;
option go_package = "example.com/m/svc/v1;svcv1";
message PingMsg {}
service Pinger { rpc Ping(PingMsg) returns (PingMsg); }
`
	if err := os.WriteFile(filepath.Join(dir, "svc.proto"), []byte(proto), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"gen", "-I", dir, "-o", out, "--paths=source_relative", "--private_registry", filepath.Join(dir, "svc.proto")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	for name, want := range map[string]string{
		"svc.pb.go":                "FileRegistry:  Files,",
		"svc_shockwave.pb.go":      "package svcv1",
		"shockwave_registry.pb.go": "var Files = new(protoregistry.Files)",
	} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("--private_registry should write %s: %v", name, err)
		}
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s lacks %q", name, want)
		}
	}

	// Imports of another package cannot be resolved in the private registry.
	imports := `syntax = "proto3";
package imp.v1;
import "google/protobuf/empty.proto";
option go_package = "example.com/m/imp/v1;impv1";
message M { google.protobuf.Empty e = 1; }
`
	if err := os.WriteFile(filepath.Join(dir, "imp.proto"), []byte(imports), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	args = []string{"gen", "-I", dir, "-o", out, "--private_registry", filepath.Join(dir, "imp.proto")}
	if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "imp.proto imports google/protobuf/empty.proto, which private_registry cannot resolve") {
		t.Errorf("private_registry with an import of another package: exit %d, stderr %q", code, stderr.String())
	}
}

func TestGenErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.proto")
	if err := os.WriteFile(bad, []byte("syntax = \"proto3\";\nmessage {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"gen"}, 2, "no .proto files given"},
		{[]string{"gen", "--paths=weird", "x.proto"}, 2, "--paths must be import or source_relative"},
		{[]string{"gen", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"gen", "-I", dir, bad}, 1, bad + ":2:9: "},
		{[]string{"gen", "-I", filepath.Join(dir, "elsewhere"), bad}, 1, "does not reside within any import path"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.msg)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "usage: shockwave gen") || !strings.Contains(stderr.String(), "--private_registry registers") {
		t.Errorf("gen -h: exit %d stderr %q", code, stderr.String())
	}
}
