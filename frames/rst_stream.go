package frames

// parseRSTStream decodes a RST_STREAM frame (RFC 9113 §6.4).
func parseRSTStream(f *Frame, p []byte) error {
	if f.StreamID == 0 {
		return errRSTStreamStream0
	}
	if len(p) != 4 {
		return errRSTStreamSize
	}
	f.ErrCode = ErrCode(be32(p))
	return nil
}

// AppendRSTStream appends a RST_STREAM frame.
func AppendRSTStream(dst []byte, streamID uint32, code ErrCode) []byte {
	dst = AppendFrameHeader(dst, Header{Length: 4, Type: FrameRSTStream, StreamID: streamID})
	return appendBE32(dst, uint32(code))
}
