package rpc

import "sync"

// Message buffers come from size-classed pools, so a steady stream of calls
// reuses the same memory. A buffer is boxed in a *[]byte so Put does not
// allocate; a buffer that grew past the largest class is dropped rather
// than kept, so one huge message does not pin memory for good.
var bufClasses = [...]int{512, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

const maxPooledBuf = 1 << 20

var bufPools [len(bufClasses)]sync.Pool

func init() {
	for i := range bufPools {
		size := bufClasses[i]
		bufPools[i].New = func() any {
			b := make([]byte, 0, size)
			return &b
		}
	}
}

// getBuf returns an empty buffer with room for at least n bytes.
func getBuf(n int) *[]byte {
	for i, c := range bufClasses {
		if n <= c {
			bp := bufPools[i].Get().(*[]byte)
			*bp = (*bp)[:0]
			return bp
		}
	}
	b := make([]byte, 0, n)
	return &b
}

// putBuf returns bp to the pool of the largest class it can serve.
func putBuf(bp *[]byte) {
	c := cap(*bp)
	if c > maxPooledBuf || c < bufClasses[0] {
		return
	}
	for i := len(bufClasses) - 1; i >= 0; i-- {
		if c >= bufClasses[i] {
			*bp = (*bp)[:0]
			bufPools[i].Put(bp)
			return
		}
	}
}
