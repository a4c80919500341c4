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
// Where RFC 9113 leaves a choice, and where this package differs from
// golang.org/x/net/http2's Framer (each pinned by TestDifferentialInvalid):
//
//   - A frame longer than SETTINGS_MAX_FRAME_SIZE is always a connection
//     error FRAME_SIZE_ERROR: skipping it would mean reading a length the
//     peer chose (§4.2 allows a stream error, §5.4.1 allows this).
//   - A frame too short for its mandatory fields (PADDED without a Pad
//     Length, HEADERS without room for its priority fields, PUSH_PROMISE
//     without a Promised Stream ID) is a connection FRAME_SIZE_ERROR (§4.2);
//     x/net returns io.ErrUnexpectedEOF.
//   - HEADERS padding longer than the rest is a connection PROTOCOL_ERROR
//     (x/net: stream error), since the header block cannot be decoded and
//     HPACK state is shared by the connection (§4.3).
//   - A PRIORITY frame of the wrong length is a stream FRAME_SIZE_ERROR as
//     §6.3 says (x/net: connection error). A stream depending on itself
//     (§5.3.1) and a PUSH_PROMISE for stream 0 (§6.6) are rejected here;
//     x/net leaves them to its connection code.
//   - SETTINGS values are validated on read, with the codes of §6.5.2 (and
//     RFC 8441, RFC 9218 for their settings); x/net's Framer checks only
//     INITIAL_WINDOW_SIZE and leaves the rest to Setting.Valid.
//   - PUSH_PROMISE header blocks continue in CONTINUATION frames like HEADERS
//     blocks (§6.10); x/net's Framer tracks only HEADERS blocks.
//   - A header block over the size or CONTINUATION count limit of the Reader
//     is a connection error ENHANCE_YOUR_CALM: the peer broke no rule, so
//     PROTOCOL_ERROR would be wrong, but a partial block cannot be skipped
//     without breaking HPACK (§4.3), and §10.5 lets us refuse abusive
//     resource use this way. x/net's Framer has no such limit.
//
// Neither reading nor writing allocates in steady state.
package frames
