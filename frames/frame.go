package frames

import "strconv"

// HeaderLen is the size of the fixed frame header (RFC 9113 §4.1).
const HeaderLen = 9

// Frame size limits for SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2, §6.5.2).
const (
	// DefaultMaxFrameSize is the initial SETTINGS_MAX_FRAME_SIZE, and the
	// smallest value an endpoint may advertise.
	DefaultMaxFrameSize = 1 << 14
	// MaxFrameSizeLimit is the largest frame payload HTTP/2 can express.
	MaxFrameSizeLimit = 1<<24 - 1
)

// streamIDMask clears the reserved bit that precedes every 31-bit stream
// identifier and window increment: RFC 9113 §4.1 says it MUST be ignored on
// receipt and MUST be zero when sending.
const streamIDMask = 1<<31 - 1

// Type is a frame type (RFC 9113 §6, §11.2).
type Type uint8

// The frame types defined by RFC 9113 §6.
const (
	FrameData         Type = 0x0
	FrameHeaders      Type = 0x1
	FramePriority     Type = 0x2
	FrameRSTStream    Type = 0x3
	FrameSettings     Type = 0x4
	FramePushPromise  Type = 0x5
	FramePing         Type = 0x6
	FrameGoAway       Type = 0x7
	FrameWindowUpdate Type = 0x8
	FrameContinuation Type = 0x9
)

var typeNames = [...]string{
	FrameData:         "DATA",
	FrameHeaders:      "HEADERS",
	FramePriority:     "PRIORITY",
	FrameRSTStream:    "RST_STREAM",
	FrameSettings:     "SETTINGS",
	FramePushPromise:  "PUSH_PROMISE",
	FramePing:         "PING",
	FrameGoAway:       "GOAWAY",
	FrameWindowUpdate: "WINDOW_UPDATE",
	FrameContinuation: "CONTINUATION",
}

// String returns the RFC name of t, or UNKNOWN_FRAME_TYPE_n.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "UNKNOWN_FRAME_TYPE_" + strconv.Itoa(int(t))
}

// Flags is the flags octet of a frame header. The meaning of each bit
// depends on the frame type; bits a type does not define are ignored on
// receipt (RFC 9113 §4.1).
type Flags uint8

// Frame flags (RFC 9113 §6).
const (
	// FlagEndStream is END_STREAM on DATA and HEADERS.
	FlagEndStream Flags = 0x1
	// FlagAck is ACK on SETTINGS and PING; it shares END_STREAM's bit.
	FlagAck Flags = 0x1
	// FlagEndHeaders is END_HEADERS on HEADERS, PUSH_PROMISE, CONTINUATION.
	FlagEndHeaders Flags = 0x4
	// FlagPadded is PADDED on DATA, HEADERS and PUSH_PROMISE.
	FlagPadded Flags = 0x8
	// FlagPriority is PRIORITY on HEADERS.
	FlagPriority Flags = 0x20
)

// Has reports whether all bits of v are set in f.
func (f Flags) Has(v Flags) bool { return f&v == v }

// Header is the fixed 9-octet frame header (RFC 9113 §4.1).
type Header struct {
	// Length is the payload length, not counting the 9 header octets.
	Length uint32
	Type   Type
	Flags  Flags
	// StreamID is the 31-bit stream identifier; the reserved bit is
	// already cleared.
	StreamID uint32
}

// PriorityParam is the deprecated RFC 7540 priority information carried by
// PRIORITY frames and HEADERS frames with the PRIORITY flag. RFC 9113 §5.3.2
// lets endpoints ignore it; it is parsed so that it can be validated.
type PriorityParam struct {
	// StreamDep is the 31-bit identifier of the stream depended on.
	StreamDep uint32
	// Exclusive is the E bit.
	Exclusive bool
	// Weight is the weight minus one, as on the wire.
	Weight uint8
}

// Frame is the last frame read by a Reader. One struct serves every frame
// type so that reading involves no interface boxing and no allocation; only
// the fields documented for the frame's Type are meaningful, the others are
// zero.
//
// A Frame and every slice in it are owned by the Reader and are valid only
// until the next call to ReadFrame; copy whatever must outlive that.
type Frame struct {
	Header

	// Data is, by Type:
	//   - DATA: the application data, padding removed;
	//   - HEADERS, PUSH_PROMISE: the complete header block, with any
	//     CONTINUATION frames already appended;
	//   - GOAWAY: the opaque debug data;
	//   - PING: the 8 opaque octets;
	//   - unknown types: the whole payload.
	Data []byte

	// PadLength is the Pad Length field of a padded DATA, HEADERS or
	// PUSH_PROMISE frame. For DATA, flow control counts the whole payload
	// (RFC 9113 §6.1), which is Header.Length, padding included.
	PadLength uint8

	// Priority is set for PRIORITY frames and HEADERS frames that carry
	// the PRIORITY flag.
	Priority PriorityParam

	// ErrCode is set for RST_STREAM and GOAWAY.
	ErrCode ErrCode

	// LastStreamID is set for GOAWAY.
	LastStreamID uint32

	// Increment is set for WINDOW_UPDATE; it is never zero.
	Increment uint32

	// PromiseID is the promised stream of a PUSH_PROMISE.
	PromiseID uint32

	// settings is the raw payload of a SETTINGS frame, a multiple of six
	// octets, every value already validated.
	settings []byte
}

// StreamEnded reports whether a DATA or HEADERS frame carries END_STREAM.
func (f *Frame) StreamEnded() bool {
	return (f.Type == FrameData || f.Type == FrameHeaders) && f.Flags.Has(FlagEndStream)
}

// IsAck reports whether a SETTINGS or PING frame carries the ACK flag.
func (f *Frame) IsAck() bool {
	return (f.Type == FrameSettings || f.Type == FramePing) && f.Flags.Has(FlagAck)
}

// PingData returns the 8 opaque octets of a PING frame by value, ready to
// be echoed with AppendPing.
func (f *Frame) PingData() (d [8]byte) {
	copy(d[:], f.Data)
	return d
}

// AppendFrameHeader appends the 9-octet encoding of h to dst. The reserved
// bit of the stream identifier is sent as zero (RFC 9113 §4.1); Length must
// be below 2^24.
func AppendFrameHeader(dst []byte, h Header) []byte {
	return append(dst,
		byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Type), byte(h.Flags),
		byte(h.StreamID>>24)&0x7f, byte(h.StreamID>>16), byte(h.StreamID>>8), byte(h.StreamID))
}

// parseHeader decodes the 9 octets at the start of b, which must be that long.
func parseHeader(b []byte) Header {
	_ = b[8]
	return Header{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     Type(b[3]),
		Flags:    Flags(b[4]),
		StreamID: (uint32(b[5])<<24 | uint32(b[6])<<16 | uint32(b[7])<<8 | uint32(b[8])) & streamIDMask,
	}
}

func be32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func appendBE32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// zeros supplies padding octets, which RFC 9113 §6.1 requires to be zero
// when sent.
var zeros [255]byte
