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

// TestStaticIndex checks the generated static table against x/net's
// decoding of each static index, and the generated lookup indexes (built by
// gen.go's copy of the hash functions) against hash.go's.
func TestStaticIndex(t *testing.T) {
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
		if lo, hi := staticName(got.Name, hashName(got.Name)); lo == 0 || uint64(i) < lo || uint64(i) > hi {
			t.Errorf("static %d: name run %d..%d", i, lo, hi)
		}
		if j := staticPair(got.Name, got.Value, hashField(got.Name, got.Value)); j != uint64(i) {
			t.Errorf("static %d: pair lookup gives %d", i, j)
		}
	}
	for _, f := range [][2]string{{"x-not-there", ""}, {":method", "PUT"}, {"", ""}, {":path", "/index.htm"}} {
		n, v := []byte(f[0]), []byte(f[1])
		if i := staticPair(n, v, hashField(n, v)); i != 0 {
			t.Errorf("%q found at %d", f, i)
		}
	}
	if lo, _ := staticName([]byte("x-not-there"), hashName([]byte("x-not-there"))); lo != 0 {
		t.Error("unknown name found")
	}
}
