package frames

// parsePriority decodes a PRIORITY frame (RFC 9113 §6.3). RFC 9113 §5.3.2
// deprecates the priority scheme, so the frame is validated and otherwise
// ignored.
func parsePriority(f *Frame, p []byte) error {
	if f.StreamID == 0 {
		return errPriorityStream0
	}
	// RFC 9113 §6.3: a wrong length is a stream error, not a connection
	// error, since PRIORITY changes no connection state.
	if len(p) != 5 {
		return errPrioritySize
	}
	f.Priority = parsePriorityParam(p)
	if f.Priority.StreamDep == f.StreamID {
		return errSelfDependency
	}
	return nil
}

func parsePriorityParam(p []byte) PriorityParam {
	v := be32(p)
	return PriorityParam{StreamDep: v & streamIDMask, Exclusive: v>>31 == 1, Weight: p[4]}
}

func appendPriorityParam(dst []byte, p PriorityParam) []byte {
	v := p.StreamDep & streamIDMask
	if p.Exclusive {
		v |= 1 << 31
	}
	return append(appendBE32(dst, v), p.Weight)
}

// AppendPriority appends a PRIORITY frame.
func AppendPriority(dst []byte, streamID uint32, p PriorityParam) []byte {
	dst = AppendFrameHeader(dst, Header{Length: 5, Type: FramePriority, StreamID: streamID})
	return appendPriorityParam(dst, p)
}
