package hpack

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

// fuzzSeeds returns header blocks to seed the fuzzers: our encoder's output
// on random lists, the RFC 7541 examples and blocks from the corpus.
func fuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	r := rand.New(rand.NewSource(3))
	e := NewEncoder(4096)
	for i := 0; i < 40; i++ {
		if i%10 == 9 {
			e.SetMaxDynamicTableSize(uint32(r.Intn(4097)))
		}
		var b []byte
		for _, f := range randomList(r) {
			if len(f.Value) < 200 {
				b = e.AppendField(b, f)
			}
		}
		seeds = append(seeds, b)
	}
	seeds = append(seeds, encodeList(NewEncoder(4096), nil, browserRequest))
	for _, blocks := range loadRFCWire(tb) {
		seeds = append(seeds, bytes.Join(blocks, nil))
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "story_0[0-2].json"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		s, err := parseStory(raw)
		if err != nil || len(s.Cases) < 3 {
			continue
		}
		var b []byte
		for _, c := range s.Cases[:3] {
			w, _ := hex.DecodeString(c.Wire)
			b = append(b, w...)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzDecode feeds arbitrary bytes, split into up to three blocks of one
// connection, to our decoder and to x/net's. Properties: no panic; every
// error is a documented kind; when both decoders accept a block they emit
// the same fields; a decoder with a small header list limit emits at most
// that much and keeps its table in step with the unlimited one.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(uint16(len(s)/3)<<8|uint16(len(s)*2/3), s)
	}
	f.Fuzz(func(t *testing.T, split uint16, data []byte) {
		a, b := int(split>>8), int(split&0xff)
		a, b = min(a, len(data)), min(b, len(data))
		if a > b {
			a, b = b, a
		}
		blocks := [][]byte{data[:a], data[a:b], data[b:]}

		d := NewDecoder(4096)
		d.SetMaxHeaderListSize(1 << 30)
		small := NewDecoder(4096)
		small.SetMaxHeaderListSize(200)
		var xgot []xhpack.HeaderField
		xd := xhpack.NewDecoder(4096, func(f xhpack.HeaderField) { xgot = append(xgot, f) })
		xok := true
		for i, block := range blocks {
			var got []xhpack.HeaderField
			err := d.Decode(block, func(f Field) { got = append(got, toX(f)) })
			var smallSize uint64
			serr := small.Decode(block, func(f Field) { smallSize += uint64(f.Size()) })
			if err != nil {
				var de *DecodingError
				if !errors.As(err, &de) || !errors.Is(err, ErrCompression) {
					t.Fatalf("block %d: undocumented error %v", i, err)
				}
				if !errors.Is(serr, ErrCompression) {
					t.Fatalf("block %d: limited decoder: %v, unlimited: %v", i, serr, err)
				}
				return
			}
			if serr != nil && serr != ErrHeaderListTooLarge {
				t.Fatalf("block %d: limited decoder: %v", i, serr)
			}
			if smallSize > 200 || small.t.size != d.t.size || small.t.len() != d.t.len() {
				t.Fatalf("block %d: limited decoder emitted %d, table %d/%d vs %d/%d",
					i, smallSize, small.t.size, small.t.len(), d.t.size, d.t.len())
			}
			if !xok {
				continue
			}
			xgot = xgot[:0]
			_, xerr := xd.Write(block)
			if xerr == nil {
				xerr = xd.Close()
			}
			if xerr != nil {
				xok = false // x/net's table may now differ; stop comparing
				continue
			}
			if len(got) != len(xgot) {
				t.Fatalf("block %d: %d fields, x/net %d", i, len(got), len(xgot))
			}
			for k := range got {
				if got[k] != xgot[k] {
					t.Fatalf("block %d field %d: %+v, x/net %+v", i, k, got[k], xgot[k])
				}
			}
		}
	})
}

// FuzzHuffmanDecode: decoding arbitrary bytes never panics, fails only with
// the documented errors and agrees with x/net; encoding the input as a
// string and decoding it gives it back.
func FuzzHuffmanDecode(f *testing.F) {
	for _, s := range []string{"", "a", "www.example.com", "Mozilla/5.0 (X11; Linux x86_64)", "\x00\xff\x7f~|{}<>"} {
		f.Add(AppendHuffman(nil, []byte(s)))
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeeds(f)[:10] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		enc := AppendHuffman(nil, data)
		if len(enc) != HuffmanEncodedLen(data) {
			t.Fatalf("HuffmanEncodedLen %d, encoded %d", HuffmanEncodedLen(data), len(enc))
		}
		dec, err := AppendHuffmanDecode(nil, enc)
		if err != nil || !bytes.Equal(dec, data) {
			t.Fatalf("round trip: %q, %v", dec, err)
		}

		got, err := AppendHuffmanDecode([]byte("p"), data)
		xgot, xerr := xhpack.HuffmanDecodeToString(data)
		if err != nil {
			if err != ErrHuffmanPadding && err != ErrHuffmanEOS {
				t.Fatalf("undocumented error %v", err)
			}
			if xerr == nil {
				t.Fatalf("%x: %v, x/net decodes %q", data, err, xgot)
			}
			return
		}
		if xerr != nil || string(got[1:]) != xgot || got[0] != 'p' {
			t.Fatalf("%x: %q, x/net %q %v", data, got, xgot, xerr)
		}
		// A limited decode writes a prefix and counts the whole.
		lim := len(data) % (len(xgot) + 1)
		part, n, err := huffmanDecode(nil, data, lim)
		if err != nil || n != len(xgot) || string(part) != xgot[:lim] {
			t.Fatalf("limit %d: %q n=%d %v", lim, part, n, err)
		}
	})
}
