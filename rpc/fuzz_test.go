package rpc

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math"
	"math/big"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// validTimeout is the grammar of PROTOCOL-HTTP2.md's Timeout, written
// independently of parseTimeout.
var validTimeout = regexp.MustCompile(`^[0-9]{1,8}[HMSmun]$`)

// FuzzTimeout checks parseTimeout against the grammar and against the
// formatter: a value the client writes for d is read back as d rounded up
// to the unit the writer chose, never earlier.
func FuzzTimeout(f *testing.F) {
	for _, d := range []time.Duration{
		-time.Second, 0, 1, 999, 99999999, 100000000, 100000001,
		time.Microsecond, 99999999 * time.Microsecond, 100 * time.Second,
		time.Second + 1, 99999999 * time.Millisecond, 30 * 24 * time.Hour,
		99999999 * time.Second, 99999999*time.Minute + 1, 1<<63 - 1,
	} {
		f.Add(appendTimeout(nil, d), int64(d))
	}
	for _, v := range []string{
		"", "1", "S", "-1S", "+1S", "1s", "1h", "123456789S", "00000000n",
		"1 S", "1SS", "99999999H", "2562047H", "2562048H", "\x001S",
	} {
		f.Add([]byte(v), int64(0))
	}
	f.Fuzz(func(t *testing.T, v []byte, d int64) {
		got, ok := parseTimeout(v)
		if ok != validTimeout.Match(v) {
			t.Fatalf("parseTimeout(%q) ok = %v, grammar says %v", v, ok, !ok)
		}
		if ok {
			n, _ := strconv.ParseInt(string(v[:len(v)-1]), 10, 64)
			unit, _ := timeoutUnit(v[len(v)-1])
			want := new(big.Int).Mul(big.NewInt(n), big.NewInt(int64(unit)))
			if !want.IsInt64() {
				want.SetInt64(math.MaxInt64)
			}
			if int64(got) != want.Int64() {
				t.Fatalf("parseTimeout(%q) = %d, want %d", v, got, want)
			}
		}

		dur := time.Duration(d)
		enc := appendTimeout(nil, dur)
		if !validTimeout.Match(enc) {
			t.Fatalf("appendTimeout(%d) = %q, not in the grammar", d, enc)
		}
		back, ok := parseTimeout(enc)
		if !ok {
			t.Fatalf("parseTimeout(appendTimeout(%d) = %q) failed", d, enc)
		}
		if dur <= 0 {
			if back != 0 {
				t.Fatalf("appendTimeout(%d) = %q reads back as %d, want 0", d, enc, back)
			}
			return
		}
		unit, _ := timeoutUnit(enc[len(enc)-1])
		// The writer rounds up to its unit; the reader clamps what does
		// not fit a Duration.
		if back < dur || (back-dur >= unit && back != math.MaxInt64) {
			t.Fatalf("appendTimeout(%d) = %q reads back as %d, not within one %v above", d, enc, back, unit)
		}
	})
}

// percentEscape is the grammar of a percent-encoded byte, for a reference
// decoder built on a different mechanism than decodeGrpcMessage's loop.
var percentEscape = regexp.MustCompile(`%[0-9A-Fa-f]{2}`)

func refDecodeGrpcMessage(v []byte) string {
	return string(percentEscape.ReplaceAllFunc(v, func(m []byte) []byte {
		b, _ := strconv.ParseUint(string(m[1:]), 16, 8)
		return []byte{byte(b)}
	}))
}

// FuzzGrpcMessage checks the grpc-message encoding: what it writes is a
// valid header value that decodes back to the message (with invalid UTF-8
// replaced), and the decoder takes any bytes, passing through a '%' that
// does not start an escape, as PROTOCOL-HTTP2.md asks.
func FuzzGrpcMessage(f *testing.F) {
	for _, s := range []string{
		"", "plain", "100%", "%", "%4", "%41", "%zz", "%%41", "a%4", "tab\there",
		"line\r\nbreak", "héllo wörld", "日本語", "😀 emoji", "\x00\x7f\x80\xff",
		"bad \xc3 utf8", "\xef\xbf\xbd", "%E2%82", "~ ", "%7e%7E",
	} {
		f.Add(s)
		f.Add(string(appendGrpcMessage(nil, s)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendGrpcMessage(nil, s)
		for _, c := range enc {
			if c < ' ' || c > '~' {
				t.Fatalf("appendGrpcMessage(%q) = %q: byte %#x is not visible ASCII", s, enc, c)
			}
		}
		if !needsEncoding(s) && string(enc) != s {
			t.Fatalf("appendGrpcMessage(%q) = %q, want it unchanged", s, enc)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // each invalid byte becomes U+FFFD
		}
		if got := decodeGrpcMessage(enc); got != want {
			t.Fatalf("decodeGrpcMessage(appendGrpcMessage(%q)) = %q, want %q", s, got, want)
		}

		got := decodeGrpcMessage([]byte(s))
		if ref := refDecodeGrpcMessage([]byte(s)); got != ref {
			t.Fatalf("decodeGrpcMessage(%q) = %q, reference decoder says %q", s, got, ref)
		}
	})
}

// FuzzContentSubtype checks contentSubtype against a reference written
// from its definition, and that any subtype it returns picks a codec or
// none without panicking.
func FuzzContentSubtype(f *testing.F) {
	for _, ct := range []string{
		grpcContentType, grpcContentTypeProto, grpcContentTypeJSON,
		requestContentType(ProtoCodec{}), requestContentType(JSONCodec{}),
		responseContentType([]byte("proto"), ProtoCodec{}), "APPLICATION/GRPC+PROTO",
		"application/grpc;charset=utf-8", "application/grpc-web", "application/grpc+",
		"application/json", "", "application/grp", "application/grpc\xff",
		"appl\u212Acation/grpc", "application/grpc+JSON",
	} {
		f.Add([]byte(ct))
	}
	f.Fuzz(func(t *testing.T, ct []byte) {
		sub, ok := contentSubtype(ct)
		const base = grpcContentType
		wantOK := len(ct) >= len(base) && bytes.Equal(asciiLower(ct[:len(base)]), []byte(base)) &&
			(len(ct) == len(base) || ct[len(base)] == '+' || ct[len(base)] == ';')
		if ok != wantOK {
			t.Fatalf("contentSubtype(%q) ok = %v, want %v", ct, ok, wantOK)
		}
		if !ok {
			if sub != nil {
				t.Fatalf("contentSubtype(%q) = %q with ok false", ct, sub)
			}
			return
		}
		var wantSub []byte
		if len(ct) > len(base) {
			wantSub = ct[len(base)+1:]
		}
		if !bytes.Equal(sub, wantSub) {
			t.Fatalf("contentSubtype(%q) = %q, want %q", ct, sub, wantSub)
		}
		if c := codecFor(sub); c != nil {
			if rct := responseContentType(sub, c); !bytes.HasPrefix([]byte(rct), []byte(base)) {
				t.Fatalf("responseContentType(%q) = %q, not gRPC", sub, rct)
			}
		}
	})
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// splitReader hands out src in chunks whose sizes come from sizes in turn
// (0 meaning everything left), optionally with io.EOF on the last one, so a
// reader sees the stream split at arbitrary points.
type splitReader struct {
	src      []byte
	sizes    []byte
	i        int
	eofEarly bool
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.src) == 0 {
		return 0, io.EOF
	}
	n := len(r.src)
	if len(r.sizes) > 0 {
		if s := int(r.sizes[r.i%len(r.sizes)]); s > 0 {
			n = min(n, s)
		}
		r.i++
	}
	n = copy(p, r.src[:n])
	r.src = r.src[n:]
	if len(r.src) == 0 && r.eofEarly {
		return n, io.EOF
	}
	return n, nil
}

// envelopeSeeds are streams as marshalEnvelope writes them.
func envelopeSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	var stream []byte
	for _, m := range []string{"", "hello", string(bytes.Repeat([]byte("x"), 300))} {
		for _, c := range []Compressor{nil, Gzip} {
			bp, err := marshalEnvelope(getBuf(0), ProtoCodec{}, wrapperspb.String(m), c, defaultMaxSendMsgSize)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, append([]byte(nil), *bp...))
			stream = append(stream, *bp...)
			putBuf(bp)
		}
	}
	return append(out, stream)
}

// FuzzMsgReader feeds msgReader arbitrary streams split at arbitrary
// points, under a small receive limit, and checks every outcome against a
// model of the envelope grammar: well-formed messages come back byte for
// byte, a length over the limit is RESOURCE_EXHAUSTED before anything is
// allocated for it, anything else malformed is INTERNAL.
func FuzzMsgReader(f *testing.F) {
	for _, s := range envelopeSeeds(f) {
		f.Add(s, []byte{0}, uint16(1000), uint8(0))
		f.Add(s, []byte{1, 7, 3}, uint16(64), uint8(3))
	}
	big := binary.BigEndian.AppendUint32([]byte{0}, 20000)
	f.Add(append(big, "truncated"...), []byte{2}, uint16(30000), uint8(1))
	f.Add(binary.BigEndian.AppendUint32([]byte{0}, math.MaxUint32), []byte{0}, uint16(10), uint8(0))
	f.Add([]byte{2, 0, 0, 0, 0}, []byte{0}, uint16(10), uint8(0))
	f.Add([]byte{1, 0, 0, 0, 1, 0}, []byte{0}, uint16(10), uint8(0))
	f.Add([]byte{0, 0, 0}, []byte{1}, uint16(10), uint8(0))
	f.Fuzz(func(t *testing.T, stream, sizes []byte, limit uint16, mode uint8) {
		// Limits up to 64 KiB reach both the buffered path and the one for
		// messages larger than the reader's 16 KiB buffer.
		max := int(limit)
		var dc Compressor
		if mode&1 != 0 {
			dc = Gzip
		}
		checkEOF := mode&2 != 0
		src := &splitReader{src: stream, sizes: sizes, eofEarly: mode&4 != 0}
		var mr msgReader
		defer mr.release()
		off := 0
		for {
			if checkEOF {
				eof, err := mr.atEOF(src)
				if err != nil {
					t.Fatalf("at %d: atEOF: %v", off, err)
				}
				if eof != (off == len(stream)) {
					t.Fatalf("at %d of %d: atEOF = %v", off, len(stream), eof)
				}
			}
			want, wantErr := modelNext(stream[off:], max, dc)
			// A declared length over the limit must fail before the
			// reader allocates for it: allow for the reader's own 16 KiB
			// buffer and the error, nothing of the message's size.
			var before runtime.MemStats
			tooBig := len(stream)-off >= envelopeSize && stream[off] <= flagCompressed &&
				int64(binary.BigEndian.Uint32(stream[off+1:])) > int64(max)
			if tooBig {
				runtime.ReadMemStats(&before)
			}
			payload, bp, err := mr.next(src, max, dc)
			if tooBig {
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				if n := after.TotalAlloc - before.TotalAlloc; n > 32<<10 {
					t.Fatalf("at %d: a message over the limit allocated %d bytes", off, n)
				}
			}
			if wantErr == io.EOF {
				if err != io.EOF {
					t.Fatalf("at end of stream: next = %q, %v; want io.EOF", payload, err)
				}
				return
			}
			if wantErr != nil {
				code := status.Code(err)
				// Past the limit after decompression, the reader may meet a
				// corrupt stream before it stops reading, which the model,
				// stopping at the limit, does not see.
				lenient := mode&1 != 0 && status.Code(wantErr) == codes.ResourceExhausted && code == codes.Internal
				if err == nil || (code != status.Code(wantErr) && !lenient) {
					t.Fatalf("at %d: next = %q, %v; want %v", off, payload, err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("at %d: next: %v; want %q", off, err, want)
			}
			if len(payload) > max {
				t.Fatalf("at %d: payload of %d bytes over the limit %d", off, len(payload), max)
			}
			if !bytes.Equal(payload, want) {
				t.Fatalf("at %d: payload %q, want %q", off, payload, want)
			}
			if bp != nil {
				putBuf(bp)
			}
			off += envelopeSize + int(binary.BigEndian.Uint32(stream[off+1:]))
		}
	})
}

// modelNext is what msgReader.next must return for the stream b: the
// message, or io.EOF, or an error whose code is the one expected.
func modelNext(b []byte, max int, dc Compressor) ([]byte, error) {
	if len(b) == 0 {
		return nil, io.EOF
	}
	if len(b) < envelopeSize {
		return nil, errTruncated
	}
	flag, n := b[0], binary.BigEndian.Uint32(b[1:])
	switch {
	case flag > flagCompressed:
		return nil, errBadFlag
	case int64(n) > int64(max):
		return nil, tooLarge(int(n), max)
	case flag == flagCompressed && dc == nil:
		return nil, errCompressedNoAlgo
	case uint64(len(b)-envelopeSize) < uint64(n):
		return nil, errTruncated
	}
	payload := b[envelopeSize : envelopeSize+int(n)]
	if flag != flagCompressed {
		return payload, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if len(out) > max {
		return nil, status.Error(codes.ResourceExhausted, "too large")
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return out, nil
}
