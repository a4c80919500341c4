package frames

// parsePushPromise decodes a PUSH_PROMISE frame (RFC 9113 §6.6). Whether
// push is enabled is the connection's business (§8.4).
func parsePushPromise(f *Frame, p []byte) error {
	if f.StreamID == 0 {
		return errPushPromiseStream0
	}
	p, pad, err := readPadLength(f, p)
	if err != nil {
		return err
	}
	if len(p) < 4 {
		return errPushPromiseShort
	}
	f.PromiseID = be32(p) & streamIDMask
	p = p[4:]
	// RFC 9113 §6.6: promising stream 0, never a valid new stream (§5.1.1),
	// is a connection error PROTOCOL_ERROR.
	if f.PromiseID == 0 {
		return errPromiseID0
	}
	if pad > len(p) {
		return errPadding
	}
	f.Data = p[:len(p)-pad]
	return nil
}

// AppendPushPromise appends a PUSH_PROMISE frame on streamID promising
// promiseID, with CONTINUATION frames as needed to keep each frame within
// maxFrameSize (zero means DefaultMaxFrameSize).
func AppendPushPromise(dst []byte, streamID, promiseID uint32, block []byte, maxFrameSize uint32) []byte {
	return appendBlock(dst, FramePushPromise, 0, streamID, -1, nil, promiseID, block, maxFrameSize)
}

// AppendPushPromisePadded is AppendPushPromise with the PADDED flag and pad
// octets of padding in the PUSH_PROMISE frame.
func AppendPushPromisePadded(dst []byte, streamID, promiseID uint32, block []byte, pad uint8, maxFrameSize uint32) []byte {
	return appendBlock(dst, FramePushPromise, 0, streamID, int(pad), nil, promiseID, block, maxFrameSize)
}
