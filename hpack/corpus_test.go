package hpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

// corpusDir is the hpack-test-case corpus (github.com/http2jp/hpack-test-case):
// one folder of stories per encoder implementation, plus raw-data, the
// stories' header lists without wire encodings.
const corpusDir = "../../shared/testdata/hpack-test-case"

type story struct {
	Cases []storyCase
}

type storyCase struct {
	HeaderTableSize *uint32
	Wire            string
	Headers         []hf
}

func (s *story) lists(t *testing.T) [][]hf {
	out := make([][]hf, len(s.Cases))
	for i, c := range s.Cases {
		out[i] = c.Headers
	}
	return out
}

// readStory reads a story file with parseJSON (see json_test.go).
func readStory(t testing.TB, path string) *story {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseStory(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func parseStory(raw []byte) (*story, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	cases, ok := v.get("cases")
	if !ok || cases.kind != 'a' {
		return nil, errJSON
	}
	var s story
	for _, c := range cases.arr {
		var sc storyCase
		if n, ok := c.get("header_table_size"); ok && n.kind == 'n' {
			size := uint32(n.num)
			sc.HeaderTableSize = &size
		}
		if w, ok := c.get("wire"); ok {
			sc.Wire = w.str
		}
		hs, _ := c.get("headers")
		for _, h := range hs.arr {
			if len(h.obj) != 1 {
				return nil, errJSON
			}
			sc.Headers = append(sc.Headers, hf{h.obj[0].key, h.obj[0].val.str})
		}
		s.Cases = append(s.Cases, sc)
	}
	return &s, nil
}

// TestStoryParser checks parseStory against encoding/json on a sample of
// stories from every folder.
func TestStoryParser(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "story_0[0-3].json"))
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var want struct {
			Cases []struct {
				HeaderTableSize *uint32             `json:"header_table_size"`
				Wire            string              `json:"wire"`
				Headers         []map[string]string `json:"headers"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		got, err := parseStory(raw)
		if err != nil || len(got.Cases) != len(want.Cases) {
			t.Fatalf("%s: %v", file, err)
		}
		for i, w := range want.Cases {
			g := got.Cases[i]
			if (w.HeaderTableSize == nil) != (g.HeaderTableSize == nil) ||
				w.HeaderTableSize != nil && *w.HeaderTableSize != *g.HeaderTableSize || w.Wire != g.Wire || len(w.Headers) != len(g.Headers) {
				t.Fatalf("%s case %d differs", file, i)
			}
			for k, h := range w.Headers {
				if v, ok := h[g.Headers[k][0]]; !ok || v != g.Headers[k][1] || len(h) != 1 {
					t.Fatalf("%s case %d header %d: %q vs %q", file, i, k, g.Headers[k], h)
				}
			}
		}
	}
	for _, bad := range []string{``, `{`, `{"cases": [}`, `"\x"`, `[1,]`, `{"a" 1}`, `"\u12"`} {
		if _, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestCorpusDecode decodes every block of every story of every encoder
// folder and compares with the listed headers, honouring each case's
// header_table_size (applied as our acknowledged SETTINGS_HEADER_TABLE_SIZE).
func TestCorpusDecode(t *testing.T) {
	dirs, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("hpack-test-case corpus: %v", err)
	}
	var nDirs, nStories, nBlocks atomic.Int64
	t.Run("folders", func(t *testing.T) {
		for _, dir := range dirs {
			if !dir.IsDir() || dir.Name() == "raw-data" {
				continue
			}
			nDirs.Add(1)
			t.Run(dir.Name(), func(t *testing.T) {
				t.Parallel()
				files, _ := filepath.Glob(filepath.Join(corpusDir, dir.Name(), "*.json"))
				for _, file := range files {
					nStories.Add(1)
					nBlocks.Add(int64(decodeStory(t, file)))
				}
			})
		}
	})
	if nBlocks.Load() < 30000 {
		t.Errorf("decoded only %d blocks; is the corpus complete?", nBlocks.Load())
	}
	t.Logf("decoded %d blocks of %d stories in %d encoder folders", nBlocks.Load(), nStories.Load(), nDirs.Load())
}

// decodeStory decodes one story on one connection's decoder and returns
// the number of blocks.
func decodeStory(t *testing.T, file string) int {
	s := readStory(t, file)
	d := NewDecoder(4096)
	d.SetMaxHeaderListSize(1 << 31)
	var got []hf
	emit := func(f Field) { got = append(got, hf{string(f.Name), string(f.Value)}) }
	for i, c := range s.Cases {
		if c.HeaderTableSize != nil {
			d.SetAllowedMaxDynamicTableSize(*c.HeaderTableSize)
		}
		wire, err := hex.DecodeString(c.Wire)
		if err != nil {
			t.Fatalf("%s case %d: %v", file, i, err)
		}
		got = got[:0]
		if err := d.Decode(wire, emit); err != nil {
			t.Fatalf("%s case %d: %v", file, i, err)
		}
		if !equalLists(got, c.Headers) {
			t.Fatalf("%s case %d:\n got %q\nwant %q", file, i, got, c.Headers)
		}
	}
	return len(s.Cases)
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
