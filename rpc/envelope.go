package rpc

import (
	"encoding/binary"
	"io"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// PROTOCOL-HTTP2.md: Length-Prefixed-Message → Compressed-Flag
// Message-Length Message, a 1-byte flag (0 identity, 1 compressed with the
// stream's grpc-encoding) and a 4-byte big-endian length.
const (
	envelopeSize   = 5
	flagCompressed = 1
)

// Default message size limits, grpc-go's: 4 MiB received, unlimited sent.
const (
	defaultMaxRecvMsgSize = 4 << 20
	defaultMaxSendMsgSize = 1<<31 - 1
)

var (
	errBadFlag          = status.Error(codes.Internal, "grpc: received unexpected payload format")
	errCompressedNoAlgo = status.Error(codes.Internal, "grpc: compressed flag set with identity or empty encoding")
	errTruncated        = status.Error(codes.Internal, "grpc: message truncated by end of stream")
)

// tooLarge is the RESOURCE_EXHAUSTED of a message over a receive limit. It
// runs only on that failure path, so it may format.
func tooLarge(n, max int) error {
	return status.Error(codes.ResourceExhausted,
		"grpc: received message larger than max ("+strconv.Itoa(n)+" vs. "+strconv.Itoa(max)+")")
}

func sendTooLarge(n, max int) error {
	return status.Error(codes.ResourceExhausted,
		"grpc: trying to send message larger than max ("+strconv.Itoa(n)+" vs. "+strconv.Itoa(max)+")")
}

// marshalEnvelope marshals m with codec after a 5-byte prefix, compressing
// it when c is not nil, into bp or a larger pooled buffer that replaces it.
// The caller releases the returned buffer with putBuf, even on error. A
// message over max is RESOURCE_EXHAUSTED.
func marshalEnvelope(bp *[]byte, codec Codec, m any, c Compressor, max int) (*[]byte, error) {
	b := append((*bp)[:0], 0, 0, 0, 0, 0)
	var err error
	if _, ok := codec.(ProtoCodec); ok {
		pm, ok := m.(proto.Message)
		if !ok {
			return bp, errNotProto
		}
		// Size first, so the buffer comes from the right class and the
		// marshal does not grow it; UseCachedSize then skips a second pass.
		size := proto.Size(pm)
		if cap(b) < envelopeSize+size {
			putBuf(bp)
			bp = getBuf(envelopeSize + size)
			b = append((*bp)[:0], 0, 0, 0, 0, 0)
		}
		b, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(b, pm)
	} else {
		b, err = codec.MarshalAppend(b, m)
	}
	*bp = b
	if err != nil {
		return bp, status.Error(codes.Internal, "grpc: error while marshaling: "+err.Error())
	}
	if c != nil {
		cb := getBuf(len(b))
		out, cerr := compressAppend(c, append((*cb)[:0], flagCompressed, 0, 0, 0, 0), b[envelopeSize:])
		*cb = out
		putBuf(bp)
		bp, b = cb, out
		if cerr != nil {
			return bp, status.Error(codes.Internal, "grpc: error while compressing: "+cerr.Error())
		}
	}
	n := len(b) - envelopeSize
	if n > max {
		return bp, sendTooLarge(n, max)
	}
	binary.BigEndian.PutUint32(b[1:envelopeSize], uint32(n))
	return bp, nil
}

// msgReaderSize is the read buffer of a msgReader: big enough that a
// stream of small messages takes one transport Read for many of them.
const msgReaderSize = 16 << 10

// msgReader reads length-prefixed messages from a stream through a pooled
// buffer, so that small messages cost a fraction of a transport Read each
// and are unmarshalled in place rather than copied out first.
type msgReader struct {
	buf  *[]byte
	r, w int
}

// reset forgets buffered bytes, keeping the buffer for the next call.
func (m *msgReader) reset() { m.r, m.w = 0, 0 }

// release returns the buffer to its pool.
func (m *msgReader) release() {
	if m.buf != nil {
		putBuf(m.buf)
		m.buf = nil
	}
	m.r, m.w = 0, 0
}

// fill reads from src until at least need bytes are buffered. It returns
// io.EOF only when src ended with nothing buffered at all.
func (m *msgReader) fill(src io.Reader, need int) error {
	if m.buf == nil {
		m.buf = getBuf(msgReaderSize)
		*m.buf = (*m.buf)[:cap(*m.buf)]
	}
	b := *m.buf
	if m.r+need > len(b) {
		m.w = copy(b, b[m.r:m.w])
		m.r = 0
	}
	for m.w-m.r < need {
		n, err := src.Read(b[m.w:])
		m.w += n
		if err != nil {
			if m.w-m.r >= need {
				return nil
			}
			if err == io.EOF {
				if m.w == m.r {
					return io.EOF
				}
				return errTruncated
			}
			return err
		}
	}
	return nil
}

// next reads the next message. The payload is either a view into the
// reader's buffer, valid until the next call, with bp nil; or, for a
// message larger than the buffer or a compressed one, a pooled buffer bp
// that the caller releases with putBuf. Limits are as for readEnvelope.
func (m *msgReader) next(src io.Reader, max int, dc Compressor) (payload []byte, bp *[]byte, err error) {
	if err := m.fill(src, envelopeSize); err != nil {
		return nil, nil, err
	}
	b := *m.buf
	flag := b[m.r]
	n := binary.BigEndian.Uint32(b[m.r+1:])
	if flag > flagCompressed {
		return nil, nil, errBadFlag
	}
	if int64(n) > int64(max) {
		return nil, nil, tooLarge(int(n), max)
	}
	if flag == flagCompressed && dc == nil {
		return nil, nil, errCompressedNoAlgo
	}
	m.r += envelopeSize
	size := int(n)
	if size <= len(b) {
		if err := m.fill(src, size); err != nil {
			if err == io.EOF {
				err = errTruncated
			}
			return nil, nil, err
		}
		payload = (*m.buf)[m.r : m.r+size]
		m.r += size
	} else {
		// Too big for the buffer: take what is buffered and read the
		// rest into a buffer of its own.
		var err error
		bp, err = readLarge(src, b[m.r:m.w], size)
		m.r, m.w = 0, 0
		if err != nil {
			return nil, nil, err
		}
		payload = *bp
	}
	if flag != flagCompressed {
		return payload, bp, nil
	}
	out, err := decompress(dc, payload, max)
	if bp != nil {
		putBuf(bp)
	}
	if err != nil {
		return nil, nil, err
	}
	return *out, out, nil
}

// largeMsgFirst is the most readLarge allocates before a large message's
// bytes arrive: a pooled buffer class, and room for a 64 KiB message with
// its protobuf framing without a second buffer.
const largeMsgFirst = 256 << 10

// readLarge reads a message of size bytes, of which have are buffered
// already, into a pooled buffer that grows (doubling) as the bytes
// arrive, rather than into one of the size the length prefix claims: a
// peer that sends prefixes alone must not make us allocate what it never
// sends (up to the receive limit, 4 MiB by default, on each of its
// streams at once: 400 MiB a connection for 500 bytes). What it allocates
// stays below largeMsgFirst or twice what arrived; a message of many
// megabytes costs about one extra copy.
func readLarge(src io.Reader, have []byte, size int) (*[]byte, error) {
	bp := getBuf(min(size, max(largeMsgFirst, len(have))))
	buf := append((*bp)[:0], have...)
	for len(buf) < size {
		if len(buf) == cap(buf) {
			nb := getBuf(min(size, 2*cap(buf)))
			*nb = append((*nb)[:0], buf...)
			putBuf(bp)
			bp, buf = nb, *nb
		}
		n, err := src.Read(buf[len(buf):min(cap(buf), size)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < size {
			putBuf(bp)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = errTruncated
			}
			return nil, err
		}
	}
	*bp = buf
	return bp, nil
}

// atEOF reports whether src ends after what has been read: true at a
// clean end, false with a nil error when another message follows.
func (m *msgReader) atEOF(src io.Reader) (bool, error) {
	if m.w > m.r {
		return false, nil
	}
	err := m.fill(src, 1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}
