package frames

import "strconv"

// ErrCode is an HTTP/2 error code (RFC 9113 §7), sent in RST_STREAM and
// GOAWAY frames.
type ErrCode uint32

// The error codes of RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{
	ErrCodeNo:                 "NO_ERROR",
	ErrCodeProtocol:           "PROTOCOL_ERROR",
	ErrCodeInternal:           "INTERNAL_ERROR",
	ErrCodeFlowControl:        "FLOW_CONTROL_ERROR",
	ErrCodeSettingsTimeout:    "SETTINGS_TIMEOUT",
	ErrCodeStreamClosed:       "STREAM_CLOSED",
	ErrCodeFrameSize:          "FRAME_SIZE_ERROR",
	ErrCodeRefusedStream:      "REFUSED_STREAM",
	ErrCodeCancel:             "CANCEL",
	ErrCodeCompression:        "COMPRESSION_ERROR",
	ErrCodeConnect:            "CONNECT_ERROR",
	ErrCodeEnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	ErrCodeInadequateSecurity: "INADEQUATE_SECURITY",
	ErrCodeHTTP11Required:     "HTTP_1_1_REQUIRED",
}

// String returns the RFC name of c. Unknown codes, which RFC 9113 §7 says
// must not trigger special behavior, print as UNKNOWN_ERROR_0xN.
func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return "UNKNOWN_ERROR_0x" + strconv.FormatUint(uint64(c), 16)
}

// ConnError is a connection error (RFC 9113 §5.4.1): the connection must
// send GOAWAY with Code and close. A Reader that returned a ConnError
// returns the same error from every later ReadFrame.
type ConnError struct {
	Code   ErrCode
	Reason string
}

func (e *ConnError) Error() string {
	return "frames: connection error " + e.Code.String() + ": " + e.Reason
}

// Is lets errors.Is match a ConnError by code: a target with an empty
// Reason matches every ConnError of its Code.
func (e *ConnError) Is(target error) bool {
	t, ok := target.(*ConnError)
	return ok && t.Code == e.Code && (t.Reason == "" || t.Reason == e.Reason)
}

// StreamError is a stream error (RFC 9113 §5.4.2): the connection must send
// RST_STREAM with Code on StreamID and may go on. The offending frame has
// been consumed completely, so the Reader stays usable.
//
// A *StreamError returned by ReadFrame is owned by the Reader, like the
// Frame, and is valid until the next ReadFrame; copy the struct to keep it.
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Reason   string
}

func (e *StreamError) Error() string {
	return "frames: stream error on stream " + strconv.FormatUint(uint64(e.StreamID), 10) +
		" " + e.Code.String() + ": " + e.Reason
}

// Is lets errors.Is match a StreamError by code: a target with zero
// StreamID and empty Reason matches every StreamError of its Code.
func (e *StreamError) Is(target error) bool {
	t, ok := target.(*StreamError)
	return ok && t.Code == e.Code &&
		(t.StreamID == 0 || t.StreamID == e.StreamID) &&
		(t.Reason == "" || t.Reason == e.Reason)
}

// The connection errors are preallocated so that rejecting a frame does not
// allocate either (DESIGN.md: errors on hot paths are preallocated values).
// Each reason names the rule it enforces.
var (
	errFrameTooLarge = &ConnError{ErrCodeFrameSize, "frame length exceeds SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2)"}
	errBadPreface    = &ConnError{ErrCodeProtocol, "invalid client connection preface (RFC 9113 §3.4)"}

	errDataStream0         = &ConnError{ErrCodeProtocol, "DATA on stream 0 (RFC 9113 §6.1)"}
	errHeadersStream0      = &ConnError{ErrCodeProtocol, "HEADERS on stream 0 (RFC 9113 §6.2)"}
	errPriorityStream0     = &ConnError{ErrCodeProtocol, "PRIORITY on stream 0 (RFC 9113 §6.3)"}
	errRSTStreamStream0    = &ConnError{ErrCodeProtocol, "RST_STREAM on stream 0 (RFC 9113 §6.4)"}
	errSettingsStream      = &ConnError{ErrCodeProtocol, "SETTINGS on a stream (RFC 9113 §6.5)"}
	errPushPromiseStream0  = &ConnError{ErrCodeProtocol, "PUSH_PROMISE on stream 0 (RFC 9113 §6.6)"}
	errPingStream          = &ConnError{ErrCodeProtocol, "PING on a stream (RFC 9113 §6.7)"}
	errGoAwayStream        = &ConnError{ErrCodeProtocol, "GOAWAY on a stream (RFC 9113 §6.8)"}
	errContinuationStream0 = &ConnError{ErrCodeProtocol, "CONTINUATION on stream 0 (RFC 9113 §6.10)"}

	errPadding          = &ConnError{ErrCodeProtocol, "padding as long as the frame payload (RFC 9113 §6.1, §6.2, §6.6)"}
	errPadLengthMissing = &ConnError{ErrCodeFrameSize, "PADDED frame too short for its Pad Length field (RFC 9113 §4.2)"}
	errHeadersShort     = &ConnError{ErrCodeFrameSize, "HEADERS too short for its priority fields (RFC 9113 §4.2, §6.2)"}
	errPushPromiseShort = &ConnError{ErrCodeFrameSize, "PUSH_PROMISE too short for its Promised Stream ID (RFC 9113 §4.2, §6.6)"}
	errPromiseID0       = &ConnError{ErrCodeProtocol, "PUSH_PROMISE promises stream 0 (RFC 9113 §6.6)"}
	errRSTStreamSize    = &ConnError{ErrCodeFrameSize, "RST_STREAM length is not 4 (RFC 9113 §6.4)"}
	errSettingsAckSize  = &ConnError{ErrCodeFrameSize, "SETTINGS ACK with a payload (RFC 9113 §6.5)"}
	errSettingsSize     = &ConnError{ErrCodeFrameSize, "SETTINGS length is not a multiple of 6 (RFC 9113 §6.5)"}
	errPingSize         = &ConnError{ErrCodeFrameSize, "PING length is not 8 (RFC 9113 §6.7)"}
	errGoAwaySize       = &ConnError{ErrCodeFrameSize, "GOAWAY shorter than 8 octets (RFC 9113 §4.2, §6.8)"}
	errWindowUpdateSize = &ConnError{ErrCodeFrameSize, "WINDOW_UPDATE length is not 4 (RFC 9113 §6.9)"}
	errWindowUpdate0    = &ConnError{ErrCodeProtocol, "connection WINDOW_UPDATE with increment 0 (RFC 9113 §6.9)"}

	errEnablePush      = &ConnError{ErrCodeProtocol, "SETTINGS_ENABLE_PUSH not 0 or 1 (RFC 9113 §6.5.2)"}
	errInitialWindow   = &ConnError{ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 (RFC 9113 §6.5.2)"}
	errMaxFrameSize    = &ConnError{ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1 (RFC 9113 §6.5.2)"}
	errConnectProtocol = &ConnError{ErrCodeProtocol, "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1 (RFC 8441 §3)"}
	errNoRFC7540Prio   = &ConnError{ErrCodeProtocol, "SETTINGS_NO_RFC7540_PRIORITIES not 0 or 1 (RFC 9218 §2.1)"}

	errUnexpectedContinuation = &ConnError{ErrCodeProtocol, "CONTINUATION outside a header block (RFC 9113 §6.10)"}
	errInterruptedBlock       = &ConnError{ErrCodeProtocol, "header block interrupted by another frame or stream (RFC 9113 §6.10)"}

	// A header block above our limits is not a protocol violation, so
	// PROTOCOL_ERROR would blame a conforming peer; but a partly received
	// block cannot be skipped without desynchronizing HPACK (RFC 9113
	// §4.3), so the connection must go. ENHANCE_YOUR_CALM is the code
	// RFC 9113 §7 and §10.5 give for a peer whose use of resources we
	// refuse, which is what a CONTINUATION flood is.
	errBlockTooLarge     = &ConnError{ErrCodeEnhanceYourCalm, "header block exceeds the size limit (RFC 9113 §10.5)"}
	errTooManyContinuity = &ConnError{ErrCodeEnhanceYourCalm, "header block exceeds the CONTINUATION frame limit (RFC 9113 §10.5)"}
)

// Stream error templates: ReadFrame copies one into the Reader's own
// StreamError and fills in the stream identifier.
var (
	errPrioritySize        = &StreamError{Code: ErrCodeFrameSize, Reason: "PRIORITY length is not 5 (RFC 9113 §6.3)"}
	errSelfDependency      = &StreamError{Code: ErrCodeProtocol, Reason: "stream depends on itself (RFC 9113 §5.3.1)"}
	errStreamWindowUpdate0 = &StreamError{Code: ErrCodeProtocol, Reason: "stream WINDOW_UPDATE with increment 0 (RFC 9113 §6.9)"}
)
