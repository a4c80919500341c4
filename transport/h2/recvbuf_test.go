package h2

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestRecvQueue pushes and consumes bytes in random pieces, as DATA frames
// and reads interleave, and checks the bytes come out in order while the
// chunks held never exceed what the unread bytes need.
func TestRecvQueue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	q := recvQueue{cache: new(chunkCache)}
	var in, out []byte
	src := make([]byte, 1<<20)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	const window = 256 << 10
	p := make([]byte, 40<<10)
	for step := 0; step < 20000; step++ {
		if rng.IntN(2) == 0 && q.len() < window {
			n := min(rng.IntN(20<<10), window-q.len())
			off := rng.IntN(len(src) - n)
			q.push(src[off : off+n])
			in = append(in, src[off:off+n]...)
		} else if rng.IntN(3) == 0 {
			if v := q.peek(); len(v) > 0 {
				k := rng.IntN(len(v) + 1)
				out = append(out, v[:k]...)
				q.discard(k)
			}
		} else {
			n := q.read(p[:rng.IntN(len(p))])
			out = append(out, p[:n]...)
		}
		if q.len() != len(in)-len(out) {
			t.Fatalf("step %d: len %d, want %d", step, q.len(), len(in)-len(out))
		}
		if limit := q.len()/bigChunk + 2; q.n > limit {
			t.Fatalf("step %d: %d chunks hold %d bytes", step, q.n, q.len())
		}
		if len(out) > 1<<20 {
			if !bytes.Equal(in[:len(out)], out) {
				t.Fatalf("step %d: bytes differ", step)
			}
			in, out = in[len(out):], out[:0]
		}
	}
	if !bytes.Equal(in[:len(out)], out) {
		t.Fatal("bytes differ")
	}
	q.reset()
	if q.n != 0 || q.len() != 0 {
		t.Fatalf("reset left %d chunks, %d bytes", q.n, q.len())
	}
}
