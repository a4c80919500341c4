// Package frames is Shockwave's HTTP/2 frame codec (RFC 9113 §4–6).
//
// It knows bytes and frames, nothing about streams or connections: a Reader
// parses frames from a byte stream into one reused Frame whose payload is a
// view into the Reader's buffer, and the AppendX functions encode frames into
// a caller-owned buffer so that a connection writer can batch the frames of
// many streams into one write.
//
// Every rule of RFC 9113 §4–6 that can be checked from the frames alone is
// checked by ReadFrame, and each violation is reported as a *ConnError (the
// connection must be closed with GOAWAY) or a *StreamError (the stream must
// be reset with RST_STREAM; the Reader stays usable), carrying the HTTP/2
// error code to send.
//
// HEADERS and PUSH_PROMISE frames are returned with their complete header
// block: CONTINUATION frames are reassembled inside ReadFrame, within bounds
// on the block size and on the number of CONTINUATION frames, so that a
// CONTINUATION flood costs the peer, not us.
//
// Neither reading nor writing allocates in steady state.
package frames
