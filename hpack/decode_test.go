package hpack

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestDecodeErrors(t *testing.T) {
	huff := func(b ...byte) []byte { return append([]byte{0x40, 0x80 | byte(len(b))}, b...) }
	for _, tc := range []struct {
		name  string
		block blk // allowed: SetAllowedMaxDynamicTableSize first, if not 0
		want  error
	}{
		{"integer overflow past 32 bits", nil2(0, cat([]byte{0xff}, []byte{0xff, 0xff, 0xff, 0xff, 0x7f})), ErrIntegerOverflow},
		{"integer overflow too many bytes", nil2(0, []byte{0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}), ErrIntegerOverflow},
		{"integer 2^32", nil2(0, appendInt(nil, 0x80, 7, 1<<32)), ErrIntegerOverflow},
		{"index 0", nil2(0, []byte{0x80}), ErrInvalidIndex},
		{"index past static table", nil2(0, []byte{0x80 | 62}), ErrInvalidIndex},
		{"index past dynamic table", nil2(0, []byte{0x40, 1, 'a', 1, 'b', 0x80 | 63}), ErrInvalidIndex},
		{"huge index", nil2(0, appendInt(nil, 0x80, 7, 1<<32-1)), ErrInvalidIndex},
		{"name index past table", nil2(0, []byte{0x7e, 0x01, 'v'}), ErrInvalidIndex},
		{"never-indexed name index past table", nil2(0, []byte{0x1f, 0x80, 0x01, 0x01, 'v'}), ErrInvalidIndex},
		{"string longer than block", nil2(0, []byte{0x40, 0x05, 'a', 'b'}), ErrStringLength},
		{"huge string length", nil2(0, appendInt([]byte{0x40}, 0, 7, 1<<32-1)), ErrStringLength},
		{"value longer than block", nil2(0, []byte{0x41, 0x03, 'a'}), ErrStringLength},
		{"Huffman padding over 7 bits", nil2(0, huff(0xff)), ErrHuffmanPadding},
		{"Huffman padding not all ones", nil2(0, huff(0x00)), ErrHuffmanPadding},
		{"Huffman EOS", nil2(0, huff(0xff, 0xff, 0xff, 0xff)), ErrHuffmanEOS},
		{"Huffman EOS in value", nil2(0, []byte{0x41, 0x84, 0xff, 0xff, 0xff, 0xff}), ErrHuffmanEOS},
		{"size update above allowed", nil2(0, appendInt(nil, 0x20, 5, 4097)), ErrTableSizeUpdate},
		{"size update after first field", nil2(0, []byte{0x82, 0x20}), ErrTableSizeUpdate},
		{"size update missing after SETTINGS lowered", nil2(100, []byte{0x82}), ErrTableSizeUpdate},
		{"size update above lowered allowed", nil2(100, []byte{0x3f, 0x46, 0x82}), ErrTableSizeUpdate},
		{"truncated integer", nil2(0, []byte{0xff}), ErrTruncated},
		{"truncated integer continuation", nil2(0, []byte{0xff, 0x80}), ErrTruncated},
		{"truncated size update", nil2(0, []byte{0x3f}), ErrTruncated},
		{"truncated before name", nil2(0, []byte{0x40}), ErrTruncated},
		{"truncated before value", nil2(0, []byte{0x41}), ErrTruncated},
		{"truncated before value after name", nil2(0, []byte{0x00, 0x01, 'a'}), ErrTruncated},
		{"truncated string length", nil2(0, []byte{0x40, 0x7f}), ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(4096)
			if tc.block.allowed != 0 {
				d.SetAllowedMaxDynamicTableSize(tc.block.allowed)
			}
			err := d.Decode(tc.block.b, func(Field) {})
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrCompression) || errors.Is(err, ErrHeaderListTooLarge) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var de *DecodingError
			if !errors.As(err, &de) {
				t.Fatalf("%v is not a *DecodingError", err)
			}
			// The truncated and the bad-index blocks are rejected by x/net
			// too; it is lenient only where it trades strictness for
			// compatibility (padding and table size updates), so only
			// compare where it is strict.
			if tc.block.allowed == 0 && tc.want != ErrTableSizeUpdate {
				xd := xhpack.NewDecoder(4096, func(xhpack.HeaderField) {})
				_, xerr := xd.Write(tc.block.b)
				if xerr == nil {
					xerr = xd.Close()
				}
				if xerr == nil {
					t.Errorf("x/net accepts the block")
				}
			}
		})
	}
}

// blk is a header block, and the allowed table size to set before it.
type blk struct {
	allowed uint32
	b       []byte
}

func nil2(allowed uint32, b []byte) blk { return blk{allowed, b} }

func decodeAll(t *testing.T, d *Decoder, block []byte) ([]hf, error) {
	t.Helper()
	var got []hf
	err := d.Decode(block, func(f Field) { got = append(got, hf{string(f.Name), string(f.Value)}) })
	return got, err
}

func TestDecodeSensitive(t *testing.T) {
	d := NewDecoder(4096)
	var got []Field
	if err := d.Decode([]byte{0x10, 0x01, 'k', 0x01, 'v', 0x1f, 0x08, 0x01, 'x', 0x82}, func(f Field) { got = append(got, f) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].Sensitive || !got[1].Sensitive || got[2].Sensitive || d.t.len() != 0 {
		t.Fatalf("got %+v, table %d entries", got, d.t.len())
	}
}

// TestHeaderListTooLarge checks the SETTINGS_MAX_HEADER_LIST_SIZE limit:
// emission stops, the block is still processed so the table stays in sync,
// and the error is not a compression error.
func TestHeaderListTooLarge(t *testing.T) {
	enc := NewEncoder(4096)
	dec := NewDecoder(4096)
	dec.SetMaxHeaderListSize(200)
	list := []hf{{"a", strings.Repeat("1", 60)}, {"b", strings.Repeat("2", 60)}, {"c", strings.Repeat("3", 60)}, {"d", "4"}}
	var block []byte
	for _, f := range list {
		block = enc.AppendField(block, Field{Name: []byte(f[0]), Value: []byte(f[1])})
	}
	got, err := decodeAll(t, dec, block)
	if !errors.Is(err, ErrHeaderListTooLarge) || errors.Is(err, ErrCompression) {
		t.Fatalf("err = %v", err)
	}
	// 93+93 fit in 200, the third field does not; nothing after it is
	// emitted even if it would fit.
	if len(got) != 2 {
		t.Fatalf("emitted %d fields: %q", len(got), got)
	}
	// The table holds all four entries: the next block, all indexed,
	// decodes.
	dec.SetMaxHeaderListSize(1 << 20)
	block = block[:0]
	for _, f := range list {
		block = enc.AppendField(block, Field{Name: []byte(f[0]), Value: []byte(f[1])})
	}
	if len(block) != 4 {
		t.Fatalf("second block not fully indexed: %x", block)
	}
	got, err = decodeAll(t, dec, block)
	if err != nil || !equalLists(got, list) {
		t.Fatalf("after refusal: %q, %v", got, err)
	}
}

// TestHeaderListAmplification sends one big entry and then a block that
// references it thousands of times: it is refused after the first few
// references, without copying, and the next block still works.
func TestHeaderListAmplification(t *testing.T) {
	dec := NewDecoder(4096)
	big := strings.Repeat("x", 4000)
	first := cat([]byte{0x40, 0x01, 'x'}, appendInt(nil, 0, 7, uint64(len(big))), []byte(big))
	if _, err := decodeAll(t, dec, first); err != nil {
		t.Fatal(err)
	}
	bomb := bytes.Repeat([]byte{0x80 | 62}, 100000) // 400 MB if expanded
	emitted := 0
	allocs := testing.AllocsPerRun(10, func() {
		emitted = 0
		if err := dec.Decode(bomb, func(Field) { emitted++ }); !errors.Is(err, ErrHeaderListTooLarge) {
			t.Fatalf("err = %v", err)
		}
	})
	if allocs != 0 || emitted != DefaultMaxHeaderListSize/4033 {
		t.Fatalf("allocs %v, emitted %d", allocs, emitted)
	}
	// Huffman strings past the budget are validated, not expanded.
	huge := AppendHuffman(nil, []byte(strings.Repeat("a", 200000)))
	block := cat([]byte{0x00, 0x01, 'h'}, appendInt(nil, 0x80, 7, uint64(len(huge))), huge)
	if err := dec.Decode(block, func(Field) {}); !errors.Is(err, ErrHeaderListTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if cap(dec.scratch) > 2*DefaultMaxHeaderListSize {
		t.Fatalf("scratch grew to %d", cap(dec.scratch))
	}
	if got, err := decodeAll(t, dec, []byte{0x80 | 62}); err != nil || len(got) != 1 || got[0][1] != big {
		t.Fatalf("after refusal: %v", err)
	}
}

// TestDecoderTableSize covers size updates: eviction, the update to 0 and
// back, two updates opening a block, and the update RFC 7541 §4.2 requires
// after our SETTINGS_HEADER_TABLE_SIZE went down.
func TestDecoderTableSize(t *testing.T) {
	d := NewDecoder(4096)
	if _, err := decodeAll(t, d, []byte{0x40, 1, 'a', 1, 'b', 0x40, 1, 'c', 1, 'd'}); err != nil {
		t.Fatal(err)
	}
	if d.t.len() != 2 || d.t.size != 68 {
		t.Fatalf("table %d entries, size %d", d.t.len(), d.t.size)
	}
	// 50 keeps only the newest entry.
	got, err := decodeAll(t, d, []byte{0x3f, 50 - 31, 0x80 | 62})
	if err != nil || len(got) != 1 || got[0] != (hf{"c", "d"}) {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := decodeAll(t, d, []byte{0x80 | 63}); !errors.Is(err, ErrInvalidIndex) {
		t.Fatalf("evicted entry still reachable: %v", err)
	}
	// 0 then 4096 in one block: the table is emptied, then usable again.
	got, err = decodeAll(t, d, cat([]byte{0x20}, appendInt(nil, 0x20, 5, 4096), []byte{0x40, 1, 'e', 1, 'f', 0x80 | 62}))
	if err != nil || len(got) != 2 || d.t.len() != 1 {
		t.Fatalf("%q %v, %d entries", got, err, d.t.len())
	}
	// We advertise 64, the peer's next block must open with an update.
	d.SetAllowedMaxDynamicTableSize(64)
	if err := d.Decode(nil, func(Field) {}); err != nil {
		t.Fatalf("empty block: %v", err)
	}
	if err := d.Decode([]byte{0x3f, 64 - 31, 0x82}, func(Field) {}); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode([]byte{0x82}, func(Field) {}); err != nil {
		t.Fatalf("update required twice: %v", err)
	}
	// Raising the allowed size needs no update; the peer may use it.
	d.SetAllowedMaxDynamicTableSize(8192)
	if err := d.Decode(cat(appendInt(nil, 0x20, 5, 8192), []byte{0x82}), func(Field) {}); err != nil || d.t.maxSize != 8192 {
		t.Fatal(err)
	}
	d.Reset()
	if d.t.len() != 0 || d.t.maxSize != 8192 {
		t.Fatal("Reset")
	}
}

// TestDynTableWrap inserts many entries of varied sizes through a small
// table so the arena compacts often, including entries whose name is a
// reference to the entry about to be evicted (RFC 7541 §4.4).
func TestDynTableWrap(t *testing.T) {
	dec := NewDecoder(300)
	var model [][2]string // newest first
	size := 0
	for i := 0; i < 5000; i++ {
		var block []byte
		var f hf
		if i%3 == 0 && len(model) > 0 {
			// Literal with incremental indexing, name from the oldest entry.
			idx := len(model)
			f = hf{model[idx-1][0], strings.Repeat("v", i%97)}
			block = appendInt(nil, 0x40, 6, uint64(staticTableLen+idx))
		} else {
			f = hf{strings.Repeat("n", 1+i%13), strings.Repeat("w", i%151)}
			block = append([]byte{0x40}, appendInt(nil, 0, 7, uint64(len(f[0])))...)
			block = append(block, f[0]...)
		}
		block = appendInt(block, 0, 7, uint64(len(f[1])))
		block = append(block, f[1]...)
		got, err := decodeAll(t, dec, block)
		if err != nil || len(got) != 1 || got[0] != f {
			t.Fatalf("step %d: %q %v, want %q", i, got, err, f)
		}
		model = append([][2]string{f}, model...)
		size += len(f[0]) + len(f[1]) + 32
		for size > 300 {
			last := model[len(model)-1]
			size -= len(last[0]) + len(last[1]) + 32
			model = model[:len(model)-1]
		}
		if dec.t.len() != len(model) || int(dec.t.size) != size {
			t.Fatalf("step %d: %d entries size %d, model %d size %d", i, dec.t.len(), dec.t.size, len(model), size)
		}
		for k, m := range model {
			n, v, _, ok := dec.at(uint64(staticTableLen + 1 + k))
			if !ok || string(n) != m[0] || string(v) != m[1] {
				t.Fatalf("step %d: entry %d = %q %q, want %q", i, k, n, v, m)
			}
		}
	}
}

func xnetStatic(t *testing.T, i int) hf {
	var got hf
	d := xhpack.NewDecoder(4096, func(f xhpack.HeaderField) { got = hf{f.Name, f.Value} })
	if _, err := d.Write([]byte{0x80 | byte(i)}); err != nil {
		t.Fatal(err)
	}
	return got
}
