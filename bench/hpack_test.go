package bench

import (
	"bytes"
	"testing"

	"github.com/shockwave-rpc/shockwave/hpack"
	xhpack "golang.org/x/net/http2/hpack"
)

// HPACK benchmarks: Shockwave's hpack against golang.org/x/net/http2/hpack
// (what grpc-go and net/http use), same data, same run. Compare with
//
//	benchstat -col /impl results.txt

// userAgent is a 189-byte browser User-Agent, the longest common header
// value and the one Huffman decoding spends most of its time on.
const userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " +
	"Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80 OPR/109.0.0.0 Vivaldi/6.7.3329.21 YaBrowser/24.4.0.0 (beta)"

// browserRequest is a first request from a browser: 9 fields, the
// pseudo-headers in the static table, the rest literals.
var browserRequest = [][2]string{
	{":method", "GET"},
	{":scheme", "https"},
	{":authority", "www.example.com"},
	{":path", "/static/app/main.3f2a9c.js"},
	{"user-agent", userAgent},
	{"accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"},
	{"accept-encoding", "gzip, deflate, br, zstd"},
	{"accept-language", "en-US,en;q=0.9,fr;q=0.8"},
	{"cookie", "session=7f3a9b2c4d5e6f708192a3b4c5d6e7f8; theme=dark; _ga=GA1.2.1234567890.1700000000"},
}

// grpcRequest is the header set of a typical gRPC unary call.
var grpcRequest = [][2]string{
	{":method", "POST"},
	{":scheme", "http"},
	{":path", "/pkg.Service/Method"},
	{":authority", "localhost:50051"},
	{"content-type", "application/grpc"},
	{"te", "trailers"},
	{"grpc-timeout", "1S"},
	{"user-agent", "grpc-go/1.85.0"},
}

func fields(list [][2]string) []hpack.Field {
	out := make([]hpack.Field, len(list))
	for i, f := range list {
		out[i] = hpack.Field{Name: []byte(f[0]), Value: []byte(f[1])}
	}
	return out
}

func xfields(list [][2]string) []xhpack.HeaderField {
	out := make([]xhpack.HeaderField, len(list))
	for i, f := range list {
		out[i] = xhpack.HeaderField{Name: f[0], Value: f[1]}
	}
	return out
}

func listSize(list [][2]string) int64 {
	var n int64
	for _, f := range list {
		n += int64(len(f[0]) + len(f[1]))
	}
	return n
}

// blocks returns a list's header block as a fresh connection sends it
// (literals, Huffman where shorter) and as it is sent again (all indexed).
func blocks(b *testing.B, list [][2]string) (first, indexed []byte) {
	e := hpack.NewEncoder(4096)
	for _, f := range fields(list) {
		first = e.AppendField(first, f)
	}
	for _, f := range fields(list) {
		indexed = e.AppendField(indexed, f)
	}
	if len(indexed) != len(list) {
		b.Fatalf("second block not all indexed: %x", indexed)
	}
	return first, indexed
}

func BenchmarkHuffmanDecode(b *testing.B) {
	enc := hpack.AppendHuffman(nil, []byte(userAgent))
	b.Run("impl=shockwave", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(userAgent)))
		dst := make([]byte, 0, 512)
		for b.Loop() {
			var err error
			if dst, err = hpack.AppendHuffmanDecode(dst[:0], enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	// x/net's HuffmanDecode into a reused buffer: its fastest API that
	// does not allocate (HuffmanDecodeToString decodes the same way and
	// then allocates the string).
	b.Run("impl=xnet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(userAgent)))
		var buf bytes.Buffer
		buf.Grow(512)
		for b.Loop() {
			buf.Reset()
			if _, err := xhpack.HuffmanDecode(&buf, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHuffmanEncode(b *testing.B) {
	ua := []byte(userAgent)
	b.Run("impl=shockwave", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(ua)))
		dst := make([]byte, 0, 512)
		for b.Loop() {
			dst = hpack.AppendHuffman(dst[:0], ua)
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(ua)))
		dst := make([]byte, 0, 512)
		s := userAgent
		for b.Loop() {
			dst = xhpack.AppendHuffmanString(dst[:0], s)
		}
	})
}

// benchDecode decodes block on a decoder set up by prepare: reset for a
// first-time block, warmed with the first block for an indexed one.
// x/net's Decoder has no Reset; shrinking its table to 0 and back empties
// it without allocating, which is what a reused decoder would do.
func benchDecode(b *testing.B, list [][2]string, indexed bool) {
	first, again := blocks(b, list)
	block := first
	if indexed {
		block = again
	}
	b.Run("impl=shockwave", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(listSize(list))
		d := hpack.NewDecoder(4096)
		n := 0
		emit := func(f hpack.Field) { n += len(f.Value) }
		if err := d.Decode(first, emit); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if !indexed {
				d.Reset()
			}
			if err := d.Decode(block, emit); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(listSize(list))
		n := 0
		d := xhpack.NewDecoder(4096, func(f xhpack.HeaderField) { n += len(f.Value) })
		if _, err := d.Write(first); err != nil {
			b.Fatal(err)
		}
		d.Close()
		for b.Loop() {
			if !indexed {
				d.SetMaxDynamicTableSize(0)
				d.SetMaxDynamicTableSize(4096)
			}
			if _, err := d.Write(block); err != nil {
				b.Fatal(err)
			}
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchEncode encodes list on a warm encoder (every field indexed) or on
// one reset before each block (first request of a connection). x/net's
// Encoder has no Reset: shrinking its table to 0 and back empties it,
// at the cost of 4 bytes of size updates in its output.
func benchEncode(b *testing.B, list [][2]string, warm bool) {
	b.Run("impl=shockwave", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(listSize(list))
		e := hpack.NewEncoder(4096)
		fs := fields(list)
		dst := make([]byte, 0, 1024)
		for _, f := range fs {
			dst = e.AppendField(dst, f)
		}
		for b.Loop() {
			if !warm {
				e.Reset()
			}
			dst = dst[:0]
			for _, f := range fs {
				dst = e.AppendField(dst, f)
			}
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(listSize(list))
		var buf bytes.Buffer
		buf.Grow(1024)
		e := xhpack.NewEncoder(&buf)
		fs := xfields(list)
		for _, f := range fs {
			e.WriteField(f)
		}
		for b.Loop() {
			if !warm {
				e.SetMaxDynamicTableSize(0)
				e.SetMaxDynamicTableSize(4096)
			}
			buf.Reset()
			for _, f := range fs {
				if err := e.WriteField(f); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkDecodeFirstRequest(b *testing.B)   { benchDecode(b, browserRequest, false) }
func BenchmarkDecodeIndexedRequest(b *testing.B) { benchDecode(b, browserRequest, true) }
func BenchmarkEncodeRequest(b *testing.B)        { benchEncode(b, browserRequest, true) }

func BenchmarkGRPCRequestEncodeFirst(b *testing.B) { benchEncode(b, grpcRequest, false) }
func BenchmarkGRPCRequestEncodeWarm(b *testing.B)  { benchEncode(b, grpcRequest, true) }
func BenchmarkGRPCRequestDecodeFirst(b *testing.B) { benchDecode(b, grpcRequest, false) }
func BenchmarkGRPCRequestDecodeWarm(b *testing.B)  { benchDecode(b, grpcRequest, true) }
