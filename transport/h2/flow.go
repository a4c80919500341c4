package h2

import (
	"math"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
)

// bdpPingData marks the PING that measures the round trip for BDP
// estimation; keepalive and shutdown PINGs carry other data.
var (
	bdpPingData       = [8]byte{'s', 'w', 'b', 'd', 'p', 0, 0, 1}
	keepalivePingData = [8]byte{'s', 'w', 'k', 'a', 0, 0, 0, 1}
	shutdownPingData  = [8]byte{'s', 'w', 'g', 'o', 'a', 'w', 'a', 'y'}
)

// bdpEstimator estimates the bandwidth-delay product of the connection the
// way grpc-go does: when DATA arrives it sends a PING and counts the bytes
// received until the ACK. If that sample nears the current window while the
// bandwidth is the highest seen, the link could carry more than the window
// lets through, so the windows double the sample. Windows only grow, up to
// bdpLimit. It runs on the reader goroutine, under the connection mutex.
type bdpEstimator struct {
	// since counts bytes received since the last sample ended. A sample
	// starts only once a window's worth has arrived: small messages then
	// cost no PINGs at all (grpc-go pings once per round trip whenever
	// data flows), while a bulk transfer, which is what the windows
	// limit, is still measured every window.
	since   uint32
	sentAt  time.Time
	bdp     uint32
	sample  uint32
	bwMax   float64
	pinging bool
	samples uint64
	rtt     float64
}

// add counts n received bytes and reports whether a measuring PING should
// be sent now; window is the current stream window.
func (b *bdpEstimator) add(n uint32, window int64) bool {
	if b.bdp >= bdpLimit {
		return false
	}
	if !b.pinging {
		b.since += n
		if int64(b.since) < window {
			return false
		}
		b.since = 0
		b.pinging = true
		b.sample = n
		b.sentAt = time.Now()
		b.samples++
		return true
	}
	b.sample += n
	return false
}

// ack takes the ACK of the measuring PING and returns the new window size,
// or 0 if the windows should stay.
func (b *bdpEstimator) ack() uint32 {
	if !b.pinging {
		return 0
	}
	b.pinging = false
	rtt := time.Since(b.sentAt).Seconds()
	if b.samples < 10 {
		b.rtt += (rtt - b.rtt) / float64(b.samples)
	} else {
		b.rtt += (rtt - b.rtt) * 0.9
	}
	if b.rtt <= 0 {
		return 0
	}
	// The sample is at most 1.5 times the real BDP on a saturated link.
	bw := float64(b.sample) / (b.rtt * 1.5)
	if bw > b.bwMax {
		b.bwMax = bw
	}
	if float64(b.sample) >= 0.66*float64(b.bdp) && bw == b.bwMax {
		b.bdp = min(2*b.sample, bdpLimit)
		return b.bdp
	}
	return 0
}

// rateLimit counts events and reports when more than limit happen within
// one interval. It reads the clock only once the count passes the limit,
// so counting costs an increment.
type rateLimit struct {
	n        int
	start    time.Time
	limit    int
	interval time.Duration
}

// allow counts one event and reports whether it is within the limit.
func (r *rateLimit) allow() bool {
	if r.limit <= 0 {
		return true
	}
	r.n++
	if r.n <= r.limit {
		return true
	}
	now := time.Now()
	if now.Sub(r.start) >= r.interval {
		r.start = now
		r.n = 1
		return true
	}
	return false
}

// bufferCapLocked returns the unread body bytes (c.chunks.unread) at
// which the connection stops crediting its window on receipt; see
// WithMaxBufferedBytes.
func (c *conn) bufferCapLocked() int64 {
	switch n := c.cfg.maxBuffered; {
	case n > 0:
		return n
	case n < 0:
		return math.MaxInt64
	}
	return bufferedWindows * max(c.connWindow, c.streamWindow)
}

// connCreditLocked returns the connection credit owed (recvUnacked) in
// one WINDOW_UPDATE once it reaches a quarter of the window, unless the
// connection holds its cap of unread body bytes. Stream windows bound
// each stream, and are credited only as its reader consumes; crediting
// the connection window on receipt instead keeps one lagging stream from
// holding up the others. But then only the number of streams bounds the
// memory a peer can fill, and flow control is what lets a receiver bound
// it (RFC 9113 §5.2.2); hence the cap. Below the cap this runs as DATA
// arrives; at the cap the credit waits, and the peer can send at most
// the rest of the window it has. Every grant happens below the cap and
// leaves the peer at most connWindow to send, so the unread bytes stay
// below the cap plus one connection window. Whatever lowers the unread
// bytes (a read, a dropped body) or raises the cap (window growth) runs
// this again, so the credit goes out as soon as the connection is back
// under the cap. A peer blocked on the connection window has recvUnacked
// equal to the whole window, past the quarter, so it never waits for a
// batch to fill.
func (c *conn) connCreditLocked() {
	if c.recvUnacked < c.connWindow/4 || c.closing || int64(c.chunks.unread) >= c.bufferCapLocked() {
		return
	}
	c.wbuf = frames.AppendWindowUpdate(c.wbuf, 0, uint32(c.recvUnacked))
	c.recvWin += c.recvUnacked
	c.recvUnacked = 0
	c.wakeWriterLocked()
}
