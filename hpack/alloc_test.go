package hpack

import (
	"testing"
)

// browserRequest is a first request of a browser, the block the benchmarks
// in bench/ use.
var browserRequest = []Field{
	{Name: []byte(":method"), Value: []byte("GET")},
	{Name: []byte(":scheme"), Value: []byte("https")},
	{Name: []byte(":authority"), Value: []byte("www.example.com")},
	{Name: []byte(":path"), Value: []byte("/static/app/main.3f2a9c.js")},
	{Name: []byte("user-agent"), Value: []byte("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")},
	{Name: []byte("accept"), Value: []byte("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")},
	{Name: []byte("accept-encoding"), Value: []byte("gzip, deflate, br")},
	{Name: []byte("accept-language"), Value: []byte("en-US,en;q=0.9")},
	{Name: []byte("cookie"), Value: []byte("session=7f3a9b2c4d5e6f708192a3b4c5d6e7f8; theme=dark")},
}

func encodeList(e *Encoder, dst []byte, list []Field) []byte {
	for _, f := range list {
		dst = e.AppendField(dst, f)
	}
	return dst
}

// TestZeroAllocs pins the hot paths at zero allocations per call in steady
// state (DESIGN.md), so that a regression fails CI rather than only a
// benchmark.
func TestZeroAllocs(t *testing.T) {
	first := encodeList(NewEncoder(4096), nil, browserRequest)
	warmEnc := NewEncoder(4096)
	encodeList(warmEnc, nil, browserRequest)
	indexed := encodeList(warmEnc, nil, browserRequest)
	if len(indexed) != len(browserRequest) {
		t.Fatalf("warm block not all indexed: %x", indexed)
	}
	n := 0
	emit := func(Field) { n++ }
	dec := NewDecoder(4096)
	dec.Decode(first, emit) // warm the scratch buffer
	ua := browserRequest[4].Value
	huff := AppendHuffman(nil, ua)
	buf := make([]byte, 0, 512)
	exact := make([]byte, 0, len(ua))
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Decode first-time block (literals, Huffman)", func() {
			dec.Reset()
			if err := dec.Decode(first, emit); err != nil {
				t.Fatal(err)
			}
		}},
		{"Decode all-indexed block", func() {
			if err := dec.Decode(indexed, emit); err != nil {
				t.Fatal(err)
			}
		}},
		{"AppendField warm", func() { buf = encodeList(warmEnc, buf[:0], browserRequest) }},
		{"AppendField after Reset", func() {
			warmEnc.Reset()
			buf = encodeList(warmEnc, buf[:0], browserRequest)
		}},
		{"AppendHuffmanDecode into sized dst", func() {
			var err error
			if buf, err = AppendHuffmanDecode(buf[:0], huff); err != nil {
				t.Fatal(err)
			}
		}},
		{"AppendHuffmanDecode into exactly sized dst", func() {
			var err error
			if _, err = AppendHuffmanDecode(exact[:0], huff); err != nil {
				t.Fatal(err)
			}
		}},
		{"AppendHuffman", func() { buf = AppendHuffman(buf[:0], ua) }},
	} {
		if a := testing.AllocsPerRun(100, tc.f); a != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tc.name, a)
		} else {
			t.Logf("%s: 0 allocs", tc.name)
		}
	}
}
