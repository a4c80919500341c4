package frames

// parseGoAway decodes a GOAWAY frame (RFC 9113 §6.8).
func parseGoAway(f *Frame, p []byte) error {
	if f.StreamID != 0 {
		return errGoAwayStream
	}
	if len(p) < 8 {
		return errGoAwaySize
	}
	f.LastStreamID = be32(p) & streamIDMask
	f.ErrCode = ErrCode(be32(p[4:]))
	f.Data = p[8:]
	return nil
}

// AppendGoAway appends a GOAWAY frame with optional opaque debug data.
func AppendGoAway(dst []byte, lastStreamID uint32, code ErrCode, debug []byte) []byte {
	dst = AppendFrameHeader(dst, Header{Length: 8 + uint32(len(debug)), Type: FrameGoAway})
	dst = appendBE32(dst, lastStreamID&streamIDMask)
	dst = appendBE32(dst, uint32(code))
	return append(dst, debug...)
}
