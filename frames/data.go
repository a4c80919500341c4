package frames

// parseData decodes a DATA frame (RFC 9113 §6.1).
func parseData(f *Frame, p []byte) error {
	if f.StreamID == 0 {
		return errDataStream0
	}
	d, err := unpad(f, p)
	f.Data = d
	return err
}

// unpad strips the Pad Length field and the padding of a frame with the
// PADDED flag, recording the pad length in f.
func unpad(f *Frame, p []byte) ([]byte, error) {
	p, pad, err := readPadLength(f, p)
	if err != nil {
		return nil, err
	}
	// RFC 9113 §6.1: padding as long as the payload or longer, where the
	// payload includes the Pad Length octet, is a connection error
	// PROTOCOL_ERROR.
	if pad > len(p) {
		return nil, errPadding
	}
	return p[:len(p)-pad], nil
}

// readPadLength consumes the Pad Length octet that opens the payload of a
// frame with the PADDED flag (RFC 9113 §6.1, §6.2, §6.6), recording it in
// f. Without the flag it returns p and 0. Checking the padding against what
// remains is the caller's job: HEADERS and PUSH_PROMISE have fields first.
func readPadLength(f *Frame, p []byte) ([]byte, int, error) {
	if !f.Flags.Has(FlagPadded) {
		return p, 0, nil
	}
	if len(p) == 0 {
		return nil, 0, errPadLengthMissing
	}
	f.PadLength = p[0]
	return p[1:], int(p[0]), nil
}

// AppendData appends a DATA frame carrying data to dst. len(data) must not
// exceed the peer's SETTINGS_MAX_FRAME_SIZE; splitting data across frames is
// the caller's job, because flow control decides where.
func AppendData(dst []byte, streamID uint32, endStream bool, data []byte) []byte {
	var flags Flags
	if endStream {
		flags = FlagEndStream
	}
	dst = AppendFrameHeader(dst, Header{Length: uint32(len(data)), Type: FrameData, Flags: flags, StreamID: streamID})
	return append(dst, data...)
}

// AppendDataPadded appends a DATA frame with the PADDED flag and pad octets
// of zero padding. The whole payload, 1+len(data)+pad octets, counts
// against flow control and must fit the peer's maximum frame size.
func AppendDataPadded(dst []byte, streamID uint32, endStream bool, data []byte, pad uint8) []byte {
	flags := FlagPadded
	if endStream {
		flags |= FlagEndStream
	}
	dst = AppendFrameHeader(dst, Header{Length: 1 + uint32(len(data)) + uint32(pad), Type: FrameData, Flags: flags, StreamID: streamID})
	dst = append(dst, pad)
	dst = append(dst, data...)
	return append(dst, zeros[:pad]...)
}
