package hpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

// corpusDir is the hpack-test-case corpus (github.com/http2jp/hpack-test-case):
// one folder of stories per encoder implementation, plus raw-data, the
// stories' header lists without wire encodings.
const corpusDir = "../../shared/testdata/hpack-test-case"

type story struct {
	Cases []struct {
		Seqno           int                 `json:"seqno"`
		HeaderTableSize *uint32             `json:"header_table_size"`
		Wire            string              `json:"wire"`
		Headers         []map[string]string `json:"headers"`
	} `json:"cases"`
}

func (s *story) lists(t *testing.T) [][]hf {
	out := make([][]hf, len(s.Cases))
	for i, c := range s.Cases {
		for _, h := range c.Headers {
			if len(h) != 1 {
				t.Fatalf("case %d: header object with %d keys", i, len(h))
			}
			for k, v := range h {
				out[i] = append(out[i], hf{k, v})
			}
		}
	}
	return out
}

func readStory(t *testing.T, path string) *story {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s story
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &s
}

// TestCorpusDecode decodes every block of every story of every encoder
// folder and compares with the listed headers, honouring each case's
// header_table_size (applied as our acknowledged SETTINGS_HEADER_TABLE_SIZE).
func TestCorpusDecode(t *testing.T) {
	dirs, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("hpack-test-case corpus: %v", err)
	}
	var nDirs, nStories, nBlocks int
	for _, dir := range dirs {
		if !dir.IsDir() || dir.Name() == "raw-data" {
			continue
		}
		nDirs++
		files, _ := filepath.Glob(filepath.Join(corpusDir, dir.Name(), "*.json"))
		for _, file := range files {
			s := readStory(t, file)
			lists := s.lists(t)
			nStories++
			d := NewDecoder(4096)
			d.SetMaxHeaderListSize(1 << 31)
			for i, c := range s.Cases {
				if c.HeaderTableSize != nil {
					d.SetAllowedMaxDynamicTableSize(*c.HeaderTableSize)
				}
				wire, err := hex.DecodeString(c.Wire)
				if err != nil {
					t.Fatalf("%s case %d: %v", file, i, err)
				}
				var got []hf
				if err := d.Decode(wire, func(f Field) {
					got = append(got, hf{string(f.Name), string(f.Value)})
				}); err != nil {
					t.Fatalf("%s case %d: %v", file, i, err)
				}
				if !equalLists(got, lists[i]) {
					t.Fatalf("%s case %d:\n got %q\nwant %q", file, i, got, lists[i])
				}
				nBlocks++
			}
		}
	}
	if nBlocks < 30000 {
		t.Errorf("decoded only %d blocks; is the corpus complete?", nBlocks)
	}
	t.Logf("decoded %d blocks of %d stories in %d encoder folders", nBlocks, nStories, nDirs)
}

// TestCorpusRawData encodes the raw-data stories (header lists without
// wire) with our Encoder and decodes the result with our Decoder and with
// x/net's, one connection per story; it also does the reverse with x/net's
// encoder. Mid-story table size changes are exercised on every third story.
func TestCorpusRawData(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "raw-data", "*.json"))
	if len(files) == 0 {
		t.Fatal("no raw-data stories")
	}
	var nBlocks int
	for n, file := range files {
		lists := readStory(t, file).lists(t)
		enc := NewEncoder(4096)
		dec := NewDecoder(4096)
		dec.SetMaxHeaderListSize(1 << 31)
		var xgot []hf
		xdec := xhpack.NewDecoder(4096, func(f xhpack.HeaderField) {
			xgot = append(xgot, hf{f.Name, f.Value})
		})
		var xbuf bytes.Buffer
		xenc := xhpack.NewEncoder(&xbuf)
		dec2 := NewDecoder(4096)
		dec2.SetMaxHeaderListSize(1 << 31)
		var block []byte
		for i, list := range lists {
			if n%3 == 0 && i%7 == 3 {
				size := uint32(i * 97 % 4097)
				enc.SetMaxDynamicTableSize(size)
				xenc.SetMaxDynamicTableSize(size)
			}
			block = block[:0]
			for _, f := range list {
				block = enc.AppendField(block, Field{Name: []byte(f[0]), Value: []byte(f[1])})
			}
			var got []hf
			if err := dec.Decode(block, func(f Field) { got = append(got, hf{string(f.Name), string(f.Value)}) }); err != nil {
				t.Fatalf("%s case %d: our decoder: %v", file, i, err)
			}
			if !equalLists(got, list) {
				t.Fatalf("%s case %d: our decoder\n got %q\nwant %q", file, i, got, list)
			}
			xgot = xgot[:0]
			if _, err := xdec.Write(block); err != nil {
				t.Fatalf("%s case %d: x/net decoder: %v", file, i, err)
			}
			if err := xdec.Close(); err != nil {
				t.Fatalf("%s case %d: x/net decoder: %v", file, i, err)
			}
			if !equalLists(xgot, list) {
				t.Fatalf("%s case %d: x/net decoder\n got %q\nwant %q", file, i, xgot, list)
			}

			// x/net encodes, we decode (our decoder of the reverse
			// direction).
			xbuf.Reset()
			for _, f := range list {
				xenc.WriteField(xhpack.HeaderField{Name: f[0], Value: f[1]})
			}
			got = got[:0]
			if err := dec2.Decode(xbuf.Bytes(), func(f Field) { got = append(got, hf{string(f.Name), string(f.Value)}) }); err != nil {
				t.Fatalf("%s case %d: decoding x/net's block: %v", file, i, err)
			}
			if !equalLists(got, list) {
				t.Fatalf("%s case %d: decoding x/net's block\n got %q\nwant %q", file, i, got, list)
			}
			nBlocks++
		}
	}
	t.Logf("encoded %d raw-data blocks of %d stories", nBlocks, len(files))
}
