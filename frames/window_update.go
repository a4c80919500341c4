package frames

// parseWindowUpdate decodes a WINDOW_UPDATE frame (RFC 9113 §6.9), which may
// be sent on stream 0 (the connection window) or on any stream.
func parseWindowUpdate(f *Frame, p []byte) error {
	if len(p) != 4 {
		return errWindowUpdateSize
	}
	f.Increment = be32(p) & streamIDMask
	// RFC 9113 §6.9: an increment of 0 is a stream error PROTOCOL_ERROR,
	// or a connection error for the connection window.
	if f.Increment == 0 {
		if f.StreamID == 0 {
			return errWindowUpdate0
		}
		return errStreamWindowUpdate0
	}
	return nil
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame; streamID 0 updates the
// connection window. incr must be 1..2^31-1 (RFC 9113 §6.9); the reserved
// high bit is cleared.
func AppendWindowUpdate(dst []byte, streamID, incr uint32) []byte {
	dst = AppendFrameHeader(dst, Header{Length: 4, Type: FrameWindowUpdate, StreamID: streamID})
	return appendBE32(dst, incr&streamIDMask)
}
