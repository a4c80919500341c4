package hpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// rfcWirePath holds the hex header blocks of RFC 7541 Appendix C. CI keeps
// the shared test data beside the repository.
const rfcWirePath = "../../shared/testdata/rfc7541_appendix_c_wire.json"

type hf = [2]string

// rfcExample is one example sequence of RFC 7541 Appendix C: the blocks
// share a connection's compression context.
type rfcExample struct {
	key       string
	tableSize uint32
	rep       repMode
	huff      huffMode
	lists     [][]hf
	sensitive bool
	sizes     []uint32 // dynamic table size after each block
}

var (
	rfcRequests = [][]hf{
		{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}},
		{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}, {"cache-control", "no-cache"}},
		{{":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"}, {":authority", "www.example.com"}, {"custom-key", "custom-value"}},
	}
	rfcResponses = [][]hf{
		{{":status", "302"}, {"cache-control", "private"}, {"date", "Mon, 21 Oct 2013 20:13:21 GMT"}, {"location", "https://www.example.com"}},
		{{":status", "307"}, {"cache-control", "private"}, {"date", "Mon, 21 Oct 2013 20:13:21 GMT"}, {"location", "https://www.example.com"}},
		{{":status", "200"}, {"cache-control", "private"}, {"date", "Mon, 21 Oct 2013 20:13:22 GMT"}, {"location", "https://www.example.com"},
			{"content-encoding", "gzip"}, {"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}},
	}
	rfcExamples = []rfcExample{
		{key: "C.2.1", tableSize: 4096, rep: repIncremental, huff: huffNever, lists: [][]hf{{{"custom-key", "custom-header"}}}, sizes: []uint32{55}},
		{key: "C.2.2", tableSize: 4096, rep: repWithout, huff: huffNever, lists: [][]hf{{{":path", "/sample/path"}}}, sizes: []uint32{0}},
		{key: "C.2.3", tableSize: 4096, rep: repNever, huff: huffNever, lists: [][]hf{{{"password", "secret"}}}, sensitive: true, sizes: []uint32{0}},
		{key: "C.2.4", tableSize: 4096, rep: repIncremental, huff: huffNever, lists: [][]hf{{{":method", "GET"}}}, sizes: []uint32{0}},
		{key: "C.3", tableSize: 4096, rep: repIncremental, huff: huffNever, lists: rfcRequests, sizes: []uint32{57, 110, 164}},
		{key: "C.4", tableSize: 4096, rep: repIncremental, huff: huffAlways, lists: rfcRequests, sizes: []uint32{57, 110, 164}},
		{key: "C.5", tableSize: 256, rep: repIncremental, huff: huffNever, lists: rfcResponses, sizes: []uint32{222, 222, 215}},
		{key: "C.6", tableSize: 256, rep: repIncremental, huff: huffAlways, lists: rfcResponses, sizes: []uint32{222, 222, 215}},
	}
)

func loadRFCWire(t testing.TB) map[string][][]byte {
	t.Helper()
	raw, err := os.ReadFile(rfcWirePath)
	if err != nil {
		t.Fatalf("RFC 7541 Appendix C vectors: %v", err)
	}
	var hexes map[string][]string
	if err := json.Unmarshal(raw, &hexes); err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	for k, hs := range hexes {
		for _, h := range hs {
			b, err := hex.DecodeString(h)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			out[k] = append(out[k], b)
		}
	}
	return out
}

func TestRFC7541AppendixC(t *testing.T) {
	wire := loadRFCWire(t)
	if len(wire) != len(rfcExamples) {
		t.Fatalf("vector file has %d examples, the test knows %d", len(wire), len(rfcExamples))
	}
	for _, ex := range rfcExamples {
		t.Run(ex.key, func(t *testing.T) {
			blocks := wire[ex.key]
			if len(blocks) != len(ex.lists) {
				t.Fatalf("%d blocks, want %d", len(blocks), len(ex.lists))
			}
			enc := NewEncoder(ex.tableSize)
			dec := NewDecoder(ex.tableSize)
			for i, list := range ex.lists {
				var got []byte
				for _, f := range list {
					got = enc.appendField(got, Field{Name: []byte(f[0]), Value: []byte(f[1])}, ex.rep, ex.huff)
				}
				if !bytes.Equal(got, blocks[i]) {
					t.Errorf("block %d encoded\n got %x\nwant %x", i, got, blocks[i])
				}
				if enc.t.size != ex.sizes[i] {
					t.Errorf("block %d: encoder table size %d, want %d", i, enc.t.size, ex.sizes[i])
				}
				var fields []hf
				err := dec.Decode(blocks[i], func(f Field) {
					if f.Sensitive != ex.sensitive {
						t.Errorf("block %d: %s sensitive=%v", i, f.Name, f.Sensitive)
					}
					fields = append(fields, hf{string(f.Name), string(f.Value)})
				})
				if err != nil {
					t.Fatalf("block %d: %v", i, err)
				}
				if !equalLists(fields, list) {
					t.Errorf("block %d decoded\n got %q\nwant %q", i, fields, list)
				}
				if dec.t.size != ex.sizes[i] {
					t.Errorf("block %d: decoder table size %d, want %d", i, dec.t.size, ex.sizes[i])
				}
			}
		})
	}
}

func equalLists(a, b []hf) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
