package hpack

import (
	"bytes"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

// randomList returns a header list that looks like real traffic: names and
// values drawn from pools (so the dynamic table gets hits), fresh random
// values, empty ones, arbitrary bytes, sensitive fields and the odd field
// larger than the table.
func randomList(r *rand.Rand) []Field {
	names := []string{":method", ":path", ":authority", ":scheme", ":status", "content-type", "user-agent",
		"accept", "cookie", "set-cookie", "authorization", "grpc-timeout", "te", "x-custom", "date",
		"content-length", "grpc-message", "x-trace-id"}
	values := []string{"GET", "POST", "/", "/pkg.Service/Method", "/search?q=x", "example.com", "https", "200",
		"application/grpc", "trailers", "1S", "grpc-go/1.85.0", "", "gzip, deflate", "a=b"}
	n := 1 + r.Intn(12)
	list := make([]Field, n)
	for i := range list {
		var f Field
		if r.Intn(5) == 0 {
			f.Name = randomBytes(r, 1+r.Intn(20), "abcdefghijklmnopqrstuvwxyz-0123456789")
		} else {
			f.Name = []byte(names[r.Intn(len(names))])
		}
		switch k := r.Intn(10); {
		case k < 5:
			f.Value = []byte(values[r.Intn(len(values))])
		case k < 8:
			f.Value = randomBytes(r, r.Intn(40), headerAlphabet)
		case k < 9:
			f.Value = randomBytes(r, r.Intn(40), "")
		default:
			f.Value = randomBytes(r, r.Intn(5000), headerAlphabet)
		}
		f.Sensitive = r.Intn(10) == 0
		list[i] = f
	}
	return list
}

type sizeChange struct {
	sizes []uint32 // applied in order between two blocks
}

// randomSizeChange returns a SETTINGS_HEADER_TABLE_SIZE change or none. A
// dip followed by a rise goes through 0, because x/net's decoder accepts a
// second size update only when the first emptied the table.
func randomSizeChange(r *rand.Rand) []uint32 {
	switch r.Intn(12) {
	case 0:
		return []uint32{uint32(r.Intn(4097))}
	case 1:
		return []uint32{0, uint32(r.Intn(4097))}
	case 2:
		return []uint32{4096}
	}
	return nil
}

func toX(f Field) xhpack.HeaderField {
	return xhpack.HeaderField{Name: string(f.Name), Value: string(f.Value), Sensitive: f.Sensitive}
}

// sameFields compares decoded fields with the list encoded. If ours is set,
// our Encoder encoded it, whose policy also sends some fields (short
// cookies, authorization) never indexed unless the static table has them.
func sameFields(t *testing.T, what string, got []xhpack.HeaderField, want []Field, ours bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d fields, want %d", what, len(got), len(want))
	}
	for i := range got {
		w := toX(want[i])
		n, v := want[i].Name, want[i].Value
		if ours && neverIndexed(n, v) && staticPair(n, v, hashField(n, v)) == 0 {
			w.Sensitive = true
		}
		if got[i] != w {
			t.Fatalf("%s: field %d = %+v, want %+v", what, i, got[i], toX(want[i]))
		}
	}
}

// TestRoundTripXNet: we encode and x/net decodes, and x/net encodes and we
// decode, the same random lists over long-lived connections with table
// size changes between blocks.
func TestRoundTripXNet(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for conn := 0; conn < 8; conn++ {
		enc := NewEncoder(4096)
		var xgot []xhpack.HeaderField
		xdec := xhpack.NewDecoder(4096, func(f xhpack.HeaderField) { xgot = append(xgot, f) })
		var xbuf bytes.Buffer
		xenc := xhpack.NewEncoder(&xbuf)
		dec := NewDecoder(4096)
		dec.SetMaxHeaderListSize(1 << 30)
		var got []xhpack.HeaderField
		emit := func(f Field) { got = append(got, toX(f)) }
		var block []byte
		for i := 0; i < 200; i++ {
			for _, s := range randomSizeChange(r) {
				enc.SetMaxDynamicTableSize(s)
				xenc.SetMaxDynamicTableSize(s)
			}
			list := randomList(r)
			block = block[:0]
			xbuf.Reset()
			for _, f := range list {
				block = enc.AppendField(block, f)
				if err := xenc.WriteField(toX(f)); err != nil {
					t.Fatal(err)
				}
			}
			xgot = xgot[:0]
			if _, err := xdec.Write(block); err != nil {
				t.Fatalf("conn %d block %d: x/net decoding ours: %v", conn, i, err)
			}
			if err := xdec.Close(); err != nil {
				t.Fatal(err)
			}
			sameFields(t, "x/net decoding ours", xgot, list, true)
			got = got[:0]
			if err := dec.Decode(xbuf.Bytes(), emit); err != nil {
				t.Fatalf("conn %d block %d: decoding x/net's: %v", conn, i, err)
			}
			sameFields(t, "decoding x/net's", got, list, false)
		}
	}
}

// TestRoundTripSelf covers what x/net cannot take: any sequence of table
// size changes, including several between two blocks.
func TestRoundTripSelf(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	enc := NewEncoder(4096)
	dec := NewDecoder(4096)
	dec.SetMaxHeaderListSize(1 << 30)
	var block []byte
	for i := 0; i < 3000; i++ {
		for range r.Intn(4) {
			if r.Intn(3) == 0 {
				enc.SetMaxDynamicTableSize(uint32(r.Intn(5000)))
			}
		}
		list := randomList(r)
		block = block[:0]
		for _, f := range list {
			block = enc.AppendField(block, f)
		}
		var got []xhpack.HeaderField
		if err := dec.Decode(block, func(f Field) { got = append(got, toX(f)) }); err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		sameFields(t, "self", got, list, true)
		if dec.t.size != enc.t.size || dec.t.len() != enc.t.len() {
			t.Fatalf("block %d: tables out of step: %d/%d vs %d/%d", i, dec.t.size, dec.t.len(), enc.t.size, enc.t.len())
		}
	}
}

func TestEncoderSizeUpdates(t *testing.T) {
	e := NewEncoder(4096)
	get := Field{Name: []byte(":method"), Value: []byte("GET")}
	if got := e.AppendField(nil, get); !bytes.Equal(got, []byte{0x82}) {
		t.Fatalf("no update expected: %x", got)
	}
	// Down and back up between blocks: the minimum, then the final size.
	e.SetMaxDynamicTableSize(0)
	e.SetMaxDynamicTableSize(4096)
	if got, want := e.AppendField(nil, get), []byte{0x20, 0x3f, 0xe1, 0x1f, 0x82}; !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	// Only once.
	if got := e.AppendField(nil, get); !bytes.Equal(got, []byte{0x82}) {
		t.Fatalf("got %x", got)
	}
	// Up only: one update; above our limit: clamped to it.
	e.SetMaxDynamicTableSize(100)
	e.AppendField(nil, get)
	e.SetMaxDynamicTableSize(1 << 20)
	if got, want := e.AppendField(nil, get), []byte{0x3f, 0xe1, 0x1f, 0x82}; !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	// Down, up, down: the minimum then the final.
	e.SetMaxDynamicTableSize(50)
	e.SetMaxDynamicTableSize(3000)
	e.SetMaxDynamicTableSize(200)
	want := appendInt(appendInt(nil, 0x20, 5, 50), 0x20, 5, 200)
	if got := e.AppendField(nil, get); !bytes.Equal(got, append(want, 0x82)) {
		t.Fatalf("got %x, want %x", got, want)
	}
	e.Reset()
	if got := e.AppendField(nil, get); !bytes.Equal(got, []byte{0x82}) || e.t.maxSize != 4096 {
		t.Fatalf("after Reset: %x", got)
	}
}

func TestEncoderPolicy(t *testing.T) {
	e := NewEncoder(4096)
	d := NewDecoder(4096)
	repOf := func(f Field) (first byte, indexed bool) {
		block := e.AppendField(nil, f)
		var got Field
		if err := d.Decode(block, func(g Field) { got = g }); err != nil {
			t.Fatal(err)
		}
		if string(got.Name) != string(f.Name) || string(got.Value) != string(f.Value) {
			t.Fatalf("decoded %q: %q", f.Name, got.Value)
		}
		return block[0], got.Sensitive
	}
	for _, tc := range []struct {
		name, value string
		sensitive   bool
		first       byte // representation bits of the first encoding
		second      byte // and of the second
	}{
		{":path", "/pkg.Service/Method", false, 0x40, 0x80},
		{":path", "/search?q=1", false, 0x00, 0x00},
		{"grpc-timeout", "1S", false, 0x40, 0x80},     // first one indexed: the name
		{"grpc-timeout", "99871u", false, 0x00, 0x00}, // then literal with that name
		{"authorization", "Bearer x", false, 0x10, 0x10},
		{"cookie", "short=1", false, 0x10, 0x10},
		{"cookie", "session=0123456789abcdef0123", false, 0x40, 0x80},
		{"set-cookie", "a=b", false, 0x00, 0x00},
		{"x-api-key", "secret", true, 0x10, 0x10},
		{":method", "GET", true, 0x10, 0x10}, // sensitive beats the static match
		{"x-big", strings.Repeat("b", 3100), false, 0x00, 0x00},
	} {
		f := Field{Name: []byte(tc.name), Value: []byte(tc.value), Sensitive: tc.sensitive}
		for i, want := range []byte{tc.first, tc.second} {
			first, sens := repOf(f)
			mask := byte(0xf0)
			if want&0xc0 != 0 {
				mask = 0xc0
			}
			if want == 0x80 {
				mask = 0x80
			}
			if first&mask != want {
				t.Errorf("%s: %s encoding %d starts %#x, want %#x", tc.name, strconv.Quote(tc.value), i, first, want)
			}
			if sens != (want == 0x10) {
				t.Errorf("%s: decoded Sensitive=%v", tc.name, sens)
			}
		}
	}
	// A never-indexed field re-encoded stays never indexed.
	var got Field
	d2 := NewDecoder(4096)
	d2.Decode(e.AppendField(nil, Field{Name: []byte("x-api-key"), Value: []byte("s"), Sensitive: true}), func(f Field) {
		b := NewEncoder(4096).AppendField(nil, f)
		got.Sensitive = b[0]&0xf0 == 0x10
	})
	if !got.Sensitive {
		t.Error("never-indexed field lost its flag on re-encoding")
	}
}
