package wiretap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"testing"
)

func envelope(flag byte, body []byte) []byte {
	b := make([]byte, envelopeSize, envelopeSize+len(body))
	b[0] = flag
	binary.BigEndian.PutUint32(b[1:], uint32(len(body)))
	return append(b, body...)
}

func gz(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(p)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// chunks splits p into pieces of n bytes, to feed a tap the way a stream
// may deliver or accept bytes.
func chunks(p []byte, n int) [][]byte {
	var out [][]byte
	for len(p) > n {
		out = append(out, p[:n])
		p = p[n:]
	}
	return append(out, p)
}

func TestObserve(t *testing.T) {
	raw := []byte("hello, world")
	stream := append(append(append(envelope(1, gz(t, raw)), envelope(0, raw)...), envelope(0, nil)...), envelope(1, gz(t, nil))...)
	for _, n := range []int{1, 2, 3, 5, 7, 1000} {
		var tap Tap
		for _, c := range chunks(stream, n) {
			tap.observe(c)
		}
		want := []bool{true, false, false, true}
		if tap.NumReceived() != len(want) {
			t.Fatalf("chunk %d: %d messages seen, want %d", n, tap.NumReceived(), len(want))
		}
		for i, w := range want {
			if got, ok := tap.Received(i); !ok || got != w {
				t.Errorf("chunk %d: message %d compressed = %v, %v; want %v", n, i, got, ok, w)
			}
		}
	}
}

func TestWriteRewrites(t *testing.T) {
	raw := bytes.Repeat([]byte("abc"), 1000)
	stream := append(append(append(envelope(1, gz(t, raw)), envelope(1, gz(t, raw))...), envelope(0, raw)...), envelope(1, gz(t, raw))...)
	want := append(append(append(envelope(1, gz(t, raw)), envelope(0, raw)...), envelope(0, raw)...), envelope(1, gz(t, raw))...)
	for _, n := range []int{1, 4, 5, 6, 100, 1 << 20} {
		var tap Tap
		tap.SendUncompressed(1)
		tap.SendUncompressed(2) // already uncompressed: unchanged
		var out bytes.Buffer
		for _, c := range chunks(stream, n) {
			if k, err := tap.write(&out, c); err != nil || k != len(c) {
				t.Fatalf("chunk %d: write = %d, %v", n, k, err)
			}
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("chunk %d: rewritten stream differs (%d bytes, want %d)", n, out.Len(), len(want))
		}
	}
}

func TestWritePassesThrough(t *testing.T) {
	stream := append(envelope(1, gz(t, []byte("x"))), envelope(0, []byte("y"))...)
	var tap Tap
	var out bytes.Buffer
	if _, err := tap.write(&out, stream); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), stream) {
		t.Error("untapped write changed the stream")
	}
}
