// Package wiretap watches the gRPC message envelopes of transport streams,
// below the rpc package: it records whether each received message had the
// compressed flag set, and can send chosen messages uncompressed although
// the call compresses its messages.
//
// The interop compression cases need both and the rpc API offers neither,
// as grpc-go's does not: whether a message arrived compressed, and
// compression switched off for one message of a call, are wire details
// (PROTOCOL-HTTP2.md: Length-Prefixed-Message → Compressed-Flag
// Message-Length Message). A tap sits on the transport contract, so the
// calls above it run through the real rpc code unchanged.
package wiretap

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// envelopeSize is the gRPC message prefix: a flags byte and a 4-byte
// big-endian length.
const envelopeSize = 5

// flagCompressed is the envelope flag bit of a compressed message.
const flagCompressed = 1

// maxRewrite bounds the size of a message a tap will decompress to send it
// uncompressed, so a tap never holds unbounded memory.
const maxRewrite = 16 << 20

// Tap is one call's view of its message envelopes. The zero Tap records
// received flags and sends every message as the rpc layer framed it.
type Tap struct {
	mu           sync.Mutex
	recv         []bool
	uncompressed map[int]bool

	in  scanner
	out scanner
	buf []byte // the envelope being rewritten
}

type tapKey struct{}

// NewContext returns ctx carrying t: a client call made with the context
// runs on a tapped stream when its ClientConn dials with Dialer.
func NewContext(ctx context.Context, t *Tap) context.Context {
	return context.WithValue(ctx, tapKey{}, t)
}

// FromContext returns the tap of the call ctx belongs to, or nil.
func FromContext(ctx context.Context) *Tap {
	t, _ := ctx.Value(tapKey{}).(*Tap)
	return t
}

// Received reports whether the i-th message received (from 0) had the
// compressed flag set; ok is false if fewer messages have arrived.
func (t *Tap) Received(i int) (compressed, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i < 0 || i >= len(t.recv) {
		return false, false
	}
	return t.recv[i], true
}

// NumReceived returns how many message envelopes have begun to arrive.
func (t *Tap) NumReceived() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recv)
}

// SendUncompressed makes the i-th message sent (from 0) leave without
// compression: if the rpc layer compressed it, the tap decompresses it and
// clears the flag. Call it before that message is sent.
func (t *Tap) SendUncompressed(i int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.uncompressed == nil {
		t.uncompressed = make(map[int]bool)
	}
	t.uncompressed[i] = true
}

// scanner follows envelope boundaries in one direction of a stream.
type scanner struct {
	pos   int // bytes of the current envelope seen so far
	size  int // the current envelope's full size, once its prefix is known
	hdr   [envelopeSize]byte
	count int // envelopes begun
}

// observe records the envelopes that p, the next bytes read, begins.
func (t *Tap) observe(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.in
	for len(p) > 0 {
		if s.pos == 0 {
			t.recv = append(t.recv, p[0]&flagCompressed != 0)
			s.count++
		}
		k := s.take(p)
		p = p[k:]
	}
}

// take consumes the part of p that belongs to the current envelope,
// returning how many bytes that is, and starts the next envelope when the
// current one is complete.
func (s *scanner) take(p []byte) int {
	var k int
	if s.pos < envelopeSize {
		k = copy(s.hdr[s.pos:], p)
		s.pos += k
		if s.pos == envelopeSize {
			s.size = envelopeSize + int(binary.BigEndian.Uint32(s.hdr[1:]))
		}
	} else {
		k = min(len(p), s.size-s.pos)
		s.pos += k
	}
	if s.pos >= envelopeSize && s.pos == s.size {
		s.pos, s.size = 0, 0
	}
	return k
}

// write sends p, the next bytes the rpc layer writes, to w, rewriting the
// envelopes marked with SendUncompressed that arrive compressed.
func (t *Tap) write(w io.Writer, p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.out
	total := len(p)
	from := 0 // start of the bytes of p to pass through unchanged
	i := 0
	rewriting := len(t.buf) > 0
	for i < len(p) {
		if s.pos == 0 {
			rewriting = p[i]&flagCompressed != 0 && t.uncompressed[s.count]
			s.count++
			if rewriting {
				if err := writeAll(w, p[from:i]); err != nil {
					return 0, err
				}
				t.buf = t.buf[:0]
			}
		}
		k := s.take(p[i:])
		if rewriting {
			if len(t.buf)+k > maxRewrite+envelopeSize {
				return 0, errors.New("wiretap: message too large to rewrite")
			}
			t.buf = append(t.buf, p[i:i+k]...)
		}
		i += k
		if rewriting {
			from = i
			if s.pos == 0 {
				if err := t.flushRewrite(w); err != nil {
					return 0, err
				}
				rewriting = false
			}
		}
	}
	if err := writeAll(w, p[from:]); err != nil {
		return 0, err
	}
	return total, nil
}

// flushRewrite sends the buffered compressed envelope as an uncompressed
// one.
func (t *Tap) flushRewrite(w io.Writer) error {
	body := t.buf[envelopeSize:]
	var raw []byte
	if len(body) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return err
		}
		raw, err = io.ReadAll(io.LimitReader(zr, maxRewrite+1))
		if err != nil {
			return err
		}
		if len(raw) > maxRewrite {
			return errors.New("wiretap: message too large to rewrite")
		}
	}
	var hdr [envelopeSize]byte
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(raw)))
	t.buf = t.buf[:0]
	if err := writeAll(w, append(hdr[:], raw...)); err != nil {
		return err
	}
	return nil
}

func writeAll(w io.Writer, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	_, err := w.Write(p)
	return err
}
