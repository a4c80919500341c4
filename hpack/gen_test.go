package hpack

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedTablesUpToDate regenerates tables.go from the RFC tables in
// gen.go and requires the checked-in file to be identical.
func TestGeneratedTablesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out := filepath.Join(t.TempDir(), "tables.go")
	cmd := exec.Command(gobin, "run", "gen.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen.go: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("tables.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("tables.go is stale: run go generate ./hpack")
	}
}

// TestStaticTableMatchesXNet checks the generated static table against
// x/net's decoding of each static index.
func TestStaticTableMatchesXNet(t *testing.T) {
	d := NewDecoder(4096)
	for i := 1; i <= staticTableLen; i++ {
		var got Field
		if err := d.Decode([]byte{0x80 | byte(i)}, func(f Field) { got = f }); err != nil {
			t.Fatal(err)
		}
		x := xnetStatic(t, i)
		if string(got.Name) != x[0] || string(got.Value) != x[1] {
			t.Errorf("static %d: %q: %q, x/net %q", i, got.Name, got.Value, x)
		}
		lo, hi := staticNameRun(got.Name)
		if lo == 0 || uint32(i) < lo || uint32(i) > hi {
			t.Errorf("static %d: name run %d..%d", i, lo, hi)
		}
	}
	if lo, _ := staticNameRun([]byte("x-not-there")); lo != 0 {
		t.Error("unknown name found")
	}
}
