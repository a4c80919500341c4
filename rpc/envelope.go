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

// readEnvelope reads one message from r into a pooled buffer the caller must
// release with putBuf. The length is checked against max before anything
// is allocated for the payload, and so is the size after decompression
// (dc nil means identity). It returns io.EOF when r ends cleanly before a
// message, and r's own error (a *transport.StreamError, say) unwrapped.
func readEnvelope(r io.Reader, prefix *[envelopeSize]byte, max int, dc Compressor) (*[]byte, error) {
	if n, err := io.ReadFull(r, prefix[:]); err != nil {
		if err == io.ErrUnexpectedEOF || (err == io.EOF && n > 0) {
			return nil, errTruncated
		}
		return nil, err
	}
	flag := prefix[0]
	n := binary.BigEndian.Uint32(prefix[1:])
	if flag > flagCompressed {
		return nil, errBadFlag
	}
	if int64(n) > int64(max) {
		return nil, tooLarge(int(n), max)
	}
	if flag == flagCompressed && dc == nil {
		return nil, errCompressedNoAlgo
	}
	bp := getBuf(int(n))
	b := (*bp)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		putBuf(bp)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, errTruncated
		}
		return nil, err
	}
	*bp = b
	if flag != flagCompressed {
		return bp, nil
	}
	out, err := decompress(dc, b, max)
	putBuf(bp)
	return out, err
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
