package h2

import "sync"

// Received body bytes wait in a queue of fixed-size chunks taken from
// size-classed pools and given back as they are consumed. Flow control
// bounds the unread bytes by the stream's window, so a stream holds at most
// that plus one partly consumed chunk, however far its reader lags, and in
// steady state nothing is allocated. What all the streams of a connection
// hold together is bounded by the buffered cap (see connCreditLocked).
const (
	// smallChunk holds the body of a small message arriving at an empty
	// queue: most requests and streamed messages.
	smallChunk = 2 << 10
	// bigChunk is the default SETTINGS_MAX_FRAME_SIZE: one frame's data.
	bigChunk = 16 << 10
	// maxKeepChunks is the largest chunk ring a pooled stream keeps.
	maxKeepChunks = 64
)

type rchunk struct {
	b    []byte // fixed length, the class size
	r, w int    // unread bytes are b[r:w]
}

// Each class is one allocation: the chunk and its array.
type smallChunkMem struct {
	rchunk
	a [smallChunk]byte
}

type bigChunkMem struct {
	rchunk
	a [bigChunk]byte
}

var (
	smallChunks = sync.Pool{New: func() any { m := new(smallChunkMem); m.b = m.a[:]; return &m.rchunk }}
	bigChunks   = sync.Pool{New: func() any { m := new(bigChunkMem); m.b = m.a[:]; return &m.rchunk }}
)

// chunkCache keeps a few free chunks per connection, so that steady
// traffic recycles them under the connection's mutex without going
// through the pools; what does not fit goes back to the pools. It also
// counts the unread bytes in all the queues that draw on it: the body
// bytes the whole connection buffers, which WithMaxBufferedBytes caps.
// The queues keep the count themselves, so that no way out of a queue
// can forget it.
type chunkCache struct {
	small, big   [4]*rchunk
	nSmall, nBig int
	unread       int
}

func (cc *chunkCache) get(small bool) *rchunk {
	if small {
		if cc.nSmall > 0 {
			cc.nSmall--
			ch := cc.small[cc.nSmall]
			cc.small[cc.nSmall] = nil
			return ch
		}
		return smallChunks.Get().(*rchunk)
	}
	if cc.nBig > 0 {
		cc.nBig--
		ch := cc.big[cc.nBig]
		cc.big[cc.nBig] = nil
		return ch
	}
	return bigChunks.Get().(*rchunk)
}

func (cc *chunkCache) put(ch *rchunk) {
	ch.r, ch.w = 0, 0
	if len(ch.b) == smallChunk {
		if cc.nSmall < len(cc.small) {
			cc.small[cc.nSmall] = ch
			cc.nSmall++
		} else {
			smallChunks.Put(ch)
		}
		return
	}
	if cc.nBig < len(cc.big) {
		cc.big[cc.nBig] = ch
		cc.nBig++
	} else {
		bigChunks.Put(ch)
	}
}

// release gives every cached chunk back to the pools.
func (cc *chunkCache) release() {
	for cc.nSmall > 0 {
		cc.nSmall--
		smallChunks.Put(cc.small[cc.nSmall])
		cc.small[cc.nSmall] = nil
	}
	for cc.nBig > 0 {
		cc.nBig--
		bigChunks.Put(cc.big[cc.nBig])
		cc.big[cc.nBig] = nil
	}
}

// recvQueue is a FIFO of received bytes. It is guarded by the connection's
// mutex: the reader goroutine pushes, the stream's reader consumes.
type recvQueue struct {
	cache *chunkCache // the connection's
	ring  []*rchunk   // ring of chunks; len(ring) is a power of two or 0
	head  int         // index of the first chunk
	n     int         // chunks in use
	size  int         // unread bytes
}

// len returns the unread bytes.
func (q *recvQueue) len() int { return q.size }

func (q *recvQueue) at(i int) *rchunk { return q.ring[(q.head+i)&(len(q.ring)-1)] }

// push copies p to the end of the queue.
func (q *recvQueue) push(p []byte) {
	q.size += len(p)
	q.cache.unread += len(p)
	for len(p) > 0 {
		var tail *rchunk
		if q.n > 0 {
			tail = q.at(q.n - 1)
			if tail.w == len(tail.b) {
				tail = nil
			}
		}
		if tail == nil {
			// A small frame arriving at an empty queue takes a small
			// chunk; anything else, or a queue the reader lags behind,
			// takes big ones.
			tail = q.cache.get(q.n == 0 && len(p) <= smallChunk/2)
			q.pushChunk(tail)
		}
		c := copy(tail.b[tail.w:], p)
		tail.w += c
		p = p[c:]
	}
}

func (q *recvQueue) pushChunk(ch *rchunk) {
	if q.n == len(q.ring) {
		ring := make([]*rchunk, max(4, 2*len(q.ring)))
		for i := 0; i < q.n; i++ {
			ring[i] = q.at(i)
		}
		q.ring, q.head = ring, 0
	}
	q.ring[(q.head+q.n)&(len(q.ring)-1)] = ch
	q.n++
}

// popChunk gives the drained first chunk back to its pool.
func (q *recvQueue) popChunk() {
	ch := q.ring[q.head]
	q.ring[q.head] = nil
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	q.cache.put(ch)
}

// read moves up to len(p) unread bytes into p.
func (q *recvQueue) read(p []byte) int {
	n := 0
	for n < len(p) && q.n > 0 {
		ch := q.ring[q.head]
		c := copy(p[n:], ch.b[ch.r:ch.w])
		ch.r += c
		n += c
		if ch.r == ch.w {
			q.popChunk()
		}
	}
	q.size -= n
	q.cache.unread -= n
	return n
}

// peek returns the unread bytes of the first chunk: a view valid until
// they are discarded. Bytes pushed meanwhile go after them and do not
// disturb the view.
func (q *recvQueue) peek() []byte {
	if q.n == 0 {
		return nil
	}
	ch := q.ring[q.head]
	return ch.b[ch.r:ch.w]
}

// discard drops the first n unread bytes (n <= len).
func (q *recvQueue) discard(n int) {
	q.size -= n
	q.cache.unread -= n
	for n > 0 {
		ch := q.ring[q.head]
		c := min(n, ch.w-ch.r)
		ch.r += c
		n -= c
		if ch.r == ch.w {
			q.popChunk()
		}
	}
}

// reset drops everything, giving the chunks back.
func (q *recvQueue) reset() {
	for q.n > 0 {
		q.popChunk()
	}
	q.cache.unread -= q.size
	q.head, q.size = 0, 0
	if len(q.ring) > maxKeepChunks {
		q.ring = nil
	}
}
