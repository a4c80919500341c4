package hpack

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	xhpack "golang.org/x/net/http2/hpack"
)

// TestHuffmanCodeMatchesXNet checks the generated code table symbol by
// symbol against x/net's independent transcription of RFC 7541 Appendix B.
func TestHuffmanCodeMatchesXNet(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := []byte{byte(c)}
		if got, want := AppendHuffman(nil, s), xhpack.AppendHuffmanString(nil, string(s)); !bytes.Equal(got, want) {
			t.Errorf("symbol %d: %x, x/net %x", c, got, want)
		}
		if got, want := HuffmanEncodedLen(s), int(xhpack.HuffmanEncodeLength(string(s))); got != want {
			t.Errorf("symbol %d: length %d, x/net %d", c, got, want)
		}
	}
}

func randomBytes(r *rand.Rand, n int, alphabet string) []byte {
	b := make([]byte, n)
	for i := range b {
		if alphabet == "" {
			b[i] = byte(r.Intn(256))
		} else {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
	}
	return b
}

const headerAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:;=,() %&?*+"

func TestHuffmanRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		alphabet := headerAlphabet
		if i%3 == 0 {
			alphabet = ""
		}
		s := randomBytes(r, r.Intn(300), alphabet)
		enc := AppendHuffman(nil, s)
		if want := xhpack.AppendHuffmanString(nil, string(s)); !bytes.Equal(enc, want) {
			t.Fatalf("%q: encoded %x, x/net %x", s, enc, want)
		}
		if len(enc) != HuffmanEncodedLen(s) {
			t.Fatalf("%q: HuffmanEncodedLen %d, encoded %d", s, HuffmanEncodedLen(s), len(enc))
		}
		// Decode into nil, an exactly sized buffer and a buffer with a
		// prefix, which exercise the fast loop's capacity limits.
		for _, dst := range [][]byte{nil, make([]byte, 0, len(s)), []byte("prefix")} {
			got, err := AppendHuffmanDecode(dst, enc)
			if err != nil || !bytes.Equal(got[len(dst):], s) || !bytes.Equal(got[:len(dst)], dst) {
				t.Fatalf("%q: decoded %q, %v", s, got, err)
			}
		}
		// A limit cuts the output but not the validation or the count.
		if len(s) > 0 {
			lim := r.Intn(len(s))
			got, n, err := huffmanDecode(nil, enc, lim)
			if err != nil || n != len(s) || !bytes.Equal(got, s[:lim]) {
				t.Fatalf("%q limit %d: got %q n=%d %v", s, lim, got, n, err)
			}
		}
	}
}

func TestHuffmanDecodeErrors(t *testing.T) {
	eos := []byte{0xff, 0xff, 0xff, 0xfc} // 30 ones then 2 ones of padding
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"padding of 8 ones", []byte{0xff}, ErrHuffmanPadding},
		{"padding of 15 ones", []byte{0xff, 0xfe}, ErrHuffmanPadding},
		{"a then 11 ones", []byte{0x1f, 0xff}, ErrHuffmanPadding}, // 'a' is 00011
		{"padding not all ones", []byte{0x00}, ErrHuffmanPadding}, // '0' then 000
		{"padding zero bits", []byte{0x1e}, ErrHuffmanPadding},    // 'a' (00011) then 110
		{"EOS", eos, ErrHuffmanEOS},
		{"EOS after a symbol", append([]byte{0x1f}, 0xff, 0xff, 0xff, 0xff), ErrHuffmanEOS},
		{"long code cut short", []byte{0xff, 0xf0}, ErrHuffmanPadding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AppendHuffmanDecode(nil, tc.in)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrCompression) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if _, xerr := xhpack.HuffmanDecodeToString(tc.in); xerr == nil {
				t.Errorf("x/net accepts it")
			}
		})
	}
	// Valid corner cases: empty string, 7 bits of padding, no padding.
	for _, in := range [][]byte{{}, {0x07}, AppendHuffman(nil, []byte("12345678"))} {
		if _, err := AppendHuffmanDecode(nil, in); err != nil {
			t.Errorf("%x: %v", in, err)
		}
	}
}
