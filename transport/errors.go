package transport

import (
	"errors"
	"strconv"
)

// Code is why a stream or connection ended, numbered as HTTP/2 numbers its
// error codes (RFC 9113 §7). HTTP/3 maps its codes onto these (RFC 9114
// §8.1 mirrors them), so the RPC layer maps one set to its own status codes.
type Code uint32

// The codes of RFC 9113 §7.
const (
	NoError            Code = 0x0
	ProtocolError      Code = 0x1
	InternalError      Code = 0x2
	FlowControlError   Code = 0x3
	SettingsTimeout    Code = 0x4
	StreamClosed       Code = 0x5
	FrameSizeError     Code = 0x6
	RefusedStream      Code = 0x7
	Cancel             Code = 0x8
	CompressionError   Code = 0x9
	ConnectError       Code = 0xa
	EnhanceYourCalm    Code = 0xb
	InadequateSecurity Code = 0xc
	HTTP11Required     Code = 0xd
)

var codeNames = [...]string{
	NoError:            "NO_ERROR",
	ProtocolError:      "PROTOCOL_ERROR",
	InternalError:      "INTERNAL_ERROR",
	FlowControlError:   "FLOW_CONTROL_ERROR",
	SettingsTimeout:    "SETTINGS_TIMEOUT",
	StreamClosed:       "STREAM_CLOSED",
	FrameSizeError:     "FRAME_SIZE_ERROR",
	RefusedStream:      "REFUSED_STREAM",
	Cancel:             "CANCEL",
	CompressionError:   "COMPRESSION_ERROR",
	ConnectError:       "CONNECT_ERROR",
	EnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	InadequateSecurity: "INADEQUATE_SECURITY",
	HTTP11Required:     "HTTP_1_1_REQUIRED",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "unknown error code 0x" + strconv.FormatUint(uint64(c), 16)
}

// StreamError is returned by stream methods once the stream has been reset.
type StreamError struct {
	Code Code
	// Remote is true when the peer reset the stream (or the connection),
	// false when this side did.
	Remote bool
	// Unprocessed is true when the peer promised not to have processed the
	// stream (REFUSED_STREAM, or a GOAWAY whose last stream ID is below
	// it), so the request is safe to retry on another connection.
	Unprocessed bool
}

func (e *StreamError) Error() string {
	who := "local"
	if e.Remote {
		who = "remote"
	}
	s := "stream reset (" + who + "): " + e.Code.String()
	if e.Unprocessed {
		s += " (unprocessed)"
	}
	return s
}

// Is makes errors.Is(err, &StreamError{Code: c}) match any StreamError with
// that code.
func (e *StreamError) Is(target error) bool {
	t, ok := target.(*StreamError)
	return ok && t.Code == e.Code
}

// ErrConnClosed is returned by operations on a connection that has closed.
var ErrConnClosed = errors.New("transport: connection closed")

// ErrHeaderListSize is returned for a head or trailers larger than the
// peer said it accepts (HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113
// §6.5.2). They are not sent: a client's stream fails before it starts, a
// server's is reset with INTERNAL_ERROR, as grpc-go does either way, so
// that the peer does not fail the whole connection on them.
var ErrHeaderListSize = errors.New("transport: header list larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE")

// IsUnprocessed reports whether err says the peer did not process the
// stream, so the request may be retried elsewhere.
func IsUnprocessed(err error) bool {
	var se *StreamError
	return errors.As(err, &se) && se.Unprocessed
}
