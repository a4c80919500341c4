package frames

// parsePing decodes a PING frame (RFC 9113 §6.7).
func parsePing(f *Frame, p []byte) error {
	if f.StreamID != 0 {
		return errPingStream
	}
	if len(p) != 8 {
		return errPingSize
	}
	f.Data = p
	return nil
}

// AppendPing appends a PING frame; a reply sets ack and echoes the data of
// the PING it answers.
func AppendPing(dst []byte, ack bool, data [8]byte) []byte {
	var flags Flags
	if ack {
		flags = FlagAck
	}
	dst = AppendFrameHeader(dst, Header{Length: 8, Type: FramePing, Flags: flags})
	return append(dst, data[:]...)
}
