package rpc

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1H", time.Hour, true},
		{"2M", 2 * time.Minute, true},
		{"3S", 3 * time.Second, true},
		{"4m", 4 * time.Millisecond, true},
		{"5u", 5 * time.Microsecond, true},
		{"6n", 6, true},
		{"0n", 0, true},
		{"99999999n", 99999999, true},
		{"12345678S", 12345678 * time.Second, true},
		{"99999999H", 1<<63 - 1, true}, // clamped
		{"123456789S", 0, false},       // nine digits
		{"S", 0, false},
		{"", 0, false},
		{"1", 0, false},
		{"1x", 0, false},
		{"-1S", 0, false},
		{"1.5S", 0, false},
		{" 1S", 0, false},
	} {
		got, ok := parseTimeout([]byte(tc.in))
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAppendTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0n"},
		{-time.Second, "0n"},
		{1, "1n"},
		{99999999, "99999999n"},
		{100000000, "100000u"},
		{100000001, "100001u"}, // rounded up, never earlier
		{time.Second, "1000000u"},
		{100 * time.Second, "100000m"},
		{100000 * time.Second, "100000S"},
		{1000 * time.Hour, "3600000S"},
		{1<<63 - 1, "2562048H"},
	} {
		got := string(appendTimeout(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendTimeout(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if d, ok := parseTimeout([]byte(got)); !ok || (tc.in > 0 && d < tc.in) {
			t.Errorf("appendTimeout(%v) = %q parses to %v, %v", tc.in, got, d, ok)
		}
	}
}

func TestGrpcMessageEncoding(t *testing.T) {
	for _, tc := range []struct{ in, enc string }{
		{"", ""},
		{"hello world", "hello world"},
		{"100%", "100%25"},
		{"a\nb\tc", "a%0Ab%09c"},
		{"\x00\x7f", "%00%7F"},
		{"日本", "%E6%97%A5%E6%9C%AC"},
		{"bad \xff utf8", "bad %EF%BF%BD utf8"}, // replaced by U+FFFD
		{"~ !", "~ !"},
	} {
		enc := string(appendGrpcMessage(nil, tc.in))
		if enc != tc.enc {
			t.Errorf("encode(%q) = %q, want %q", tc.in, enc, tc.enc)
		}
		if needsEncoding(tc.in) != (enc != tc.in) {
			t.Errorf("needsEncoding(%q) = %v", tc.in, needsEncoding(tc.in))
		}
		want := strings.ToValidUTF8(tc.in, "\uFFFD")
		if dec := decodeGrpcMessage([]byte(enc)); dec != want {
			t.Errorf("decode(%q) = %q, want %q", enc, dec, want)
		}
	}
	// Decoding is tolerant of what is not a valid escape.
	for in, want := range map[string]string{
		"%":      "%",
		"%4":     "%4",
		"%zz":    "%zz",
		"a%2":    "a%2",
		"%41%":   "A%",
		"%e6%97": "\xe6\x97",
	} {
		if got := decodeGrpcMessage([]byte(in)); got != want {
			t.Errorf("decode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusHeaderRoundTrip(t *testing.T) {
	for c := codes.Code(0); c <= 16; c++ {
		st := status.New(c, "msg for "+c.String()+" 100% \n done")
		if c != codes.OK {
			var err error
			st, err = st.WithDetails(durationpb.New(time.Second), wrapperspb.String("detail"))
			if err != nil {
				t.Fatal(err)
			}
		}
		var h transport.Header
		appendStatus(&h, st, nil)
		got, ok := statusFromHeader(&h)
		if !ok {
			t.Fatalf("code %v: no grpc-status", c)
		}
		if c == codes.OK {
			if got != nil {
				t.Fatalf("OK decoded as %v", got)
			}
			continue
		}
		if got.Code() != c || got.Message() != st.Message() {
			t.Fatalf("round trip of %v = %v", st, got)
		}
		if len(got.AnyDetails()) != 2 || !proto.Equal(got.AnyDetails()[1], st.AnyDetails()[1]) {
			t.Fatalf("details lost: %v", got.AnyDetails())
		}
	}
	var h transport.Header
	h.AddString("grpc-status", "x1")
	if st, ok := statusFromHeader(&h); !ok || st.Code() != codes.Unknown {
		t.Fatalf("malformed grpc-status decoded as %v, %v", st, ok)
	}
	h.Reset()
	if _, ok := statusFromHeader(&h); ok {
		t.Fatal("empty header has a status")
	}
}

func TestContentSubtype(t *testing.T) {
	for in, want := range map[string]string{
		"application/grpc":            "",
		"application/grpc+proto":      "proto",
		"application/grpc+json":       "json",
		"application/grpc;charset=x":  "charset=x",
		"Application/GRPC+proto":      "proto",
		"application/grpcx":           "!",
		"application/json":            "!",
		"":                            "!",
		"application/grpc-web+proto":  "!",
		"application/grpc+customcdc1": "customcdc1",
	} {
		sub, ok := contentSubtype([]byte(in))
		got := string(sub)
		if !ok {
			got = "!"
		}
		if got != want {
			t.Errorf("contentSubtype(%q) = %q, want %q", in, got, want)
		}
	}
	if codecFor(nil).Name() != "proto" || codecFor([]byte("JSON")).Name() != "json" || codecFor([]byte("cbor")) != nil {
		t.Fatal("codecFor")
	}
}

func envelope(flag byte, payload []byte) []byte {
	b := []byte{flag, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

// countingReader counts bytes read, to show a limit is enforced before
// the payload is read (and so before it is allocated).
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// readEnvelope reads one message with a fresh msgReader into a pooled
// buffer the caller releases.
func readEnvelope(r io.Reader, _ *[envelopeSize]byte, max int, dc Compressor) (*[]byte, error) {
	var m msgReader
	defer m.release()
	p, bp, err := m.next(r, max, dc)
	if err != nil {
		return nil, err
	}
	if bp != nil {
		return bp, nil
	}
	out := getBuf(len(p))
	*out = append(*out, p...)
	return out, nil
}

func TestReadEnvelope(t *testing.T) {
	var prefix [envelopeSize]byte
	read := func(b []byte, max int, dc Compressor) ([]byte, error) {
		bp, err := readEnvelope(bytes.NewReader(b), &prefix, max, dc)
		if err != nil {
			return nil, err
		}
		defer putBuf(bp)
		return bytes.Clone(*bp), nil
	}
	if got, err := read(envelope(0, []byte("hello")), 5, nil); err != nil || string(got) != "hello" {
		t.Fatalf("got %q, %v", got, err)
	}
	if got, err := read(envelope(0, nil), 0, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty message: %q, %v", got, err)
	}
	if _, err := read(nil, 5, nil); err != io.EOF {
		t.Fatalf("no message: %v, want io.EOF", err)
	}
	for _, b := range [][]byte{{0, 0}, envelope(0, []byte("hello"))[:7]} {
		if _, err := read(b, 10, nil); status.Code(err) != codes.Internal {
			t.Fatalf("truncated %x: %v", b, err)
		}
	}
	if _, err := read(envelope(2, []byte("x")), 10, nil); status.Code(err) != codes.Internal {
		t.Fatalf("bad flag: %v", err)
	}
	if _, err := read(envelope(1, []byte("x")), 10, nil); status.Code(err) != codes.Internal {
		t.Fatalf("compressed without encoding: %v", err)
	}
	// Over the limit: RESOURCE_EXHAUSTED after reading only the prefix,
	// even for a length of 4 GiB-1 with no payload behind it.
	huge := []byte{0, 0xff, 0xff, 0xff, 0xff}
	cr := &countingReader{r: bytes.NewReader(huge)}
	if _, err := readEnvelope(cr, &prefix, 4<<20, nil); status.Code(err) != codes.ResourceExhausted || cr.n != envelopeSize {
		t.Fatalf("huge length: %v after reading %d bytes", err, cr.n)
	}
	if _, err := read(envelope(0, []byte("123456")), 5, nil); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("one over: %v", err)
	}
	// Errors of the reader come back as they are, for the caller to map.
	rst := &transport.StreamError{Code: transport.Cancel, Remote: true}
	if _, err := readEnvelope(io.MultiReader(bytes.NewReader([]byte{0, 0}), errReader{rst}), &prefix, 10, nil); !errors.Is(err, rst) {
		t.Fatalf("reset: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestCompressionRoundTrip(t *testing.T) {
	msg := wrapperspb.String(strings.Repeat("compressible ", 1000))
	for _, size := range []int{0, 1, 100, 1 << 20} {
		payload := bytes.Repeat([]byte("ab"), size/2)
		bp := getBuf(0)
		bp, err := marshalEnvelope(bp, ProtoCodec{}, wrapperspb.Bytes(payload), Gzip, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if (*bp)[0] != flagCompressed {
			t.Fatal("compressed flag not set")
		}
		var prefix [envelopeSize]byte
		out, err := readEnvelope(bytes.NewReader(*bp), &prefix, 4<<20, Gzip)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		var got wrapperspb.BytesValue
		if err := (ProtoCodec{}).Unmarshal(*out, &got); err != nil || !bytes.Equal(got.Value, payload) {
			t.Fatalf("size %d: round trip differs (%v)", size, err)
		}
		putBuf(out)
		putBuf(bp)
	}
	// The limit applies after decompression: a small compressed message
	// that inflates past it is RESOURCE_EXHAUSTED.
	bp, err := marshalEnvelope(getBuf(0), ProtoCodec{}, msg, Gzip, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var prefix [envelopeSize]byte
	if len(*bp) > 1000 {
		t.Fatalf("compressed to %d bytes, want small", len(*bp))
	}
	if _, err := readEnvelope(bytes.NewReader(*bp), &prefix, 1000, Gzip); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("inflating past the limit: %v", err)
	}
	// Interop with the standard library's gzip.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte("plain gzip"))
	zw.Close()
	out, err := readEnvelope(bytes.NewReader(envelope(1, zb.Bytes())), &prefix, 100, Gzip)
	if err != nil || string(*out) != "plain gzip" {
		t.Fatalf("stdlib gzip: %v", err)
	}
	// Corrupt data is INTERNAL.
	if _, err := readEnvelope(bytes.NewReader(envelope(1, []byte("not gzip"))), &prefix, 100, Gzip); status.Code(err) != codes.Internal {
		t.Fatalf("corrupt gzip: %v", err)
	}
}

func TestMarshalEnvelopeSendLimit(t *testing.T) {
	bp, err := marshalEnvelope(getBuf(0), ProtoCodec{}, wrapperspb.Bytes(make([]byte, 100)), nil, 50)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("over send limit: %v", err)
	}
	putBuf(bp)
	bp, err = marshalEnvelope(getBuf(0), JSONCodec{}, wrapperspb.String("x"), nil, 50)
	if err != nil || string((*bp)[envelopeSize:]) != `"x"` || binary.BigEndian.Uint32((*bp)[1:]) != 3 {
		t.Fatalf("json envelope %q, %v", *bp, err)
	}
}

func TestBufPool(t *testing.T) {
	for _, n := range []int{0, 1, 512, 513, 1 << 20, 1<<20 + 1} {
		bp := getBuf(n)
		if cap(*bp) < n || len(*bp) != 0 {
			t.Fatalf("getBuf(%d): len %d cap %d", n, len(*bp), cap(*bp))
		}
		putBuf(bp)
	}
	// Reuse does not allocate.
	putBuf(getBuf(100))
	if a := testing.AllocsPerRun(100, func() { putBuf(getBuf(100)) }); a != 0 {
		t.Fatalf("getBuf/putBuf allocate %.1f", a)
	}
}

// oneByteReader returns at most n bytes per Read, to split envelopes
// anywhere.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n, len(r.b))
	copy(p, r.b[:k])
	r.b = r.b[k:]
	return k, nil
}

func TestMsgReader(t *testing.T) {
	for _, chunk := range []int{1, 3, 5, 1000, 1 << 20} {
		var stream []byte
		var want [][]byte
		sizes := []int{0, 1, 100, msgReaderSize - 5, msgReaderSize, 3 * msgReaderSize, 7, 50000}
		if chunk >= 1000 {
			// Past largeMsgFirst a message's buffer grows as its bytes
			// arrive: 300 KiB grows once, 1.5 MiB three times. (Not
			// byte by byte: too slow under -race.)
			sizes = append(sizes, 300<<10, 3<<19, 9)
		}
		for _, size := range sizes {
			p := bytes.Repeat([]byte{byte(size)}, size)
			want = append(want, p)
			stream = append(stream, envelope(0, p)...)
		}
		var m msgReader
		src := &chunkReader{b: stream, n: chunk}
		for i, w := range want {
			got, bp, err := m.next(src, 4<<20, nil)
			if err != nil || !bytes.Equal(got, w) {
				t.Fatalf("chunk %d, message %d: %d bytes, %v", chunk, i, len(got), err)
			}
			if bp != nil {
				putBuf(bp)
			}
		}
		if eof, err := m.atEOF(src); !eof || err != nil {
			t.Fatalf("chunk %d: atEOF = %v, %v", chunk, eof, err)
		}
		if _, _, err := m.next(src, 1<<20, nil); err != io.EOF {
			t.Fatalf("chunk %d: after the end: %v", chunk, err)
		}
		m.release()
	}
	// Truncated envelopes and payloads, limits, a second message.
	var m msgReader
	for _, b := range [][]byte{{0, 0, 0}, envelope(0, []byte("hello"))[:8], envelope(0, make([]byte, 40000))[:30000], envelope(0, make([]byte, 600<<10))[:400<<10]} {
		m.reset()
		if _, _, err := m.next(&chunkReader{b: b, n: 7}, 1<<20, nil); status.Code(err) != codes.Internal {
			t.Fatalf("truncated %d bytes: %v", len(b), err)
		}
	}
	m.reset()
	if _, _, err := m.next(&chunkReader{b: []byte{0, 0xff, 0xff, 0xff, 0xff}, n: 5}, 4<<20, nil); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("huge: %v", err)
	}
	m.reset()
	two := &chunkReader{b: append(envelope(0, []byte("a")), envelope(0, []byte("b"))...), n: 100}
	m.next(two, 10, nil)
	if eof, err := m.atEOF(two); eof || err != nil {
		t.Fatalf("second message not seen: %v, %v", eof, err)
	}
	// Compressed messages come back decompressed.
	m.reset()
	bp, _ := marshalEnvelope(getBuf(0), ProtoCodec{}, wrapperspb.String("zipped"), Gzip, 1<<20)
	got, out, err := m.next(&chunkReader{b: *bp, n: 3}, 1<<20, Gzip)
	var s wrapperspb.StringValue
	if err != nil || out == nil || (ProtoCodec{}).Unmarshal(got, &s) != nil || s.Value != "zipped" {
		t.Fatalf("compressed: %v", err)
	}
	m.release()
}
