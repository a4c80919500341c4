package frames

// parseHeaders decodes a HEADERS frame (RFC 9113 §6.2). The header block
// fragment is left in f.Data; ReadFrame appends any CONTINUATION frames.
func parseHeaders(f *Frame, p []byte) error {
	if f.StreamID == 0 {
		return errHeadersStream0
	}
	p, pad, err := readPadLength(f, p)
	if err != nil {
		return err
	}
	var serr error
	if f.Flags.Has(FlagPriority) {
		if len(p) < 5 {
			return errHeadersShort
		}
		f.Priority = parsePriorityParam(p)
		p = p[5:]
		if f.Priority.StreamDep == f.StreamID {
			serr = errSelfDependency
		}
	}
	// RFC 9113 §6.2 makes padding longer than the rest a PROTOCOL_ERROR
	// without saying of which kind. We make it a connection error: the
	// block fragment cannot be located, and a block that is not decoded
	// desynchronizes HPACK for the whole connection (§4.3).
	if pad > len(p) {
		return errPadding
	}
	f.Data = p[:len(p)-pad]
	return serr
}

// HeadersParam describes a HEADERS frame with every option, for
// AppendHeadersParam. Clients and servers that use neither padding nor
// priority call AppendHeaders.
type HeadersParam struct {
	StreamID  uint32
	EndStream bool
	// Block is the complete encoded header block.
	Block []byte
	// MaxFrameSize is the peer's SETTINGS_MAX_FRAME_SIZE; zero means
	// DefaultMaxFrameSize.
	MaxFrameSize uint32
	// Padded sets the PADDED flag, with PadLength octets of padding.
	Padded    bool
	PadLength uint8
	// HasPriority sets the PRIORITY flag and sends Priority.
	HasPriority bool
	Priority    PriorityParam
}

// AppendHeaders appends a HEADERS frame carrying block, followed by as many
// CONTINUATION frames as needed to keep each frame within maxFrameSize (zero
// means DefaultMaxFrameSize). The frames must reach the peer contiguously
// (RFC 9113 §6.10), so a connection writer must not interleave other frames.
func AppendHeaders(dst []byte, streamID uint32, endStream bool, block []byte, maxFrameSize uint32) []byte {
	var flags Flags
	if endStream {
		flags = FlagEndStream
	}
	return appendBlock(dst, FrameHeaders, flags, streamID, -1, nil, 0, block, maxFrameSize)
}

// AppendHeadersParam is AppendHeaders with padding and priority options.
// The padding and priority fields go in the HEADERS frame only, so
// p.MaxFrameSize must leave room for them.
func AppendHeadersParam(dst []byte, p *HeadersParam) []byte {
	var flags Flags
	if p.EndStream {
		flags = FlagEndStream
	}
	pad := -1
	if p.Padded {
		pad = int(p.PadLength)
	}
	var prio *PriorityParam
	if p.HasPriority {
		prio = &p.Priority
	}
	return appendBlock(dst, FrameHeaders, flags, p.StreamID, pad, prio, 0, p.Block, p.MaxFrameSize)
}

// AppendContinuation appends one CONTINUATION frame (RFC 9113 §6.10). Most
// callers want AppendHeaders or AppendPushPromise, which split a block
// themselves; this is for tests and for callers that split their own.
func AppendContinuation(dst []byte, streamID uint32, endHeaders bool, fragment []byte) []byte {
	var flags Flags
	if endHeaders {
		flags = FlagEndHeaders
	}
	dst = AppendFrameHeader(dst, Header{Length: uint32(len(fragment)), Type: FrameContinuation, Flags: flags, StreamID: streamID})
	return append(dst, fragment...)
}

// appendBlock writes a HEADERS or PUSH_PROMISE frame and the CONTINUATION
// frames that carry the rest of block. pad < 0 means no PADDED flag;
// promise is written only for PUSH_PROMISE.
func appendBlock(dst []byte, t Type, flags Flags, streamID uint32, pad int, prio *PriorityParam, promise uint32, block []byte, maxFrameSize uint32) []byte {
	if maxFrameSize == 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	overhead := 0
	if pad >= 0 {
		flags |= FlagPadded
		overhead += 1 + pad
	}
	if prio != nil {
		flags |= FlagPriority
		overhead += 5
	}
	if t == FramePushPromise {
		overhead += 4
	}
	room := max(int(maxFrameSize)-overhead, 0)
	frag := block
	if len(frag) > room {
		frag = frag[:room]
	} else {
		flags |= FlagEndHeaders
	}
	dst = AppendFrameHeader(dst, Header{Length: uint32(overhead + len(frag)), Type: t, Flags: flags, StreamID: streamID})
	if pad >= 0 {
		dst = append(dst, byte(pad))
	}
	if t == FramePushPromise {
		dst = appendBE32(dst, promise&streamIDMask)
	}
	if prio != nil {
		dst = appendPriorityParam(dst, *prio)
	}
	dst = append(dst, frag...)
	if pad > 0 {
		dst = append(dst, zeros[:pad]...)
	}
	for block = block[len(frag):]; len(block) > 0; block = block[len(frag):] {
		frag = block
		end := true
		if len(frag) > int(maxFrameSize) {
			frag, end = frag[:maxFrameSize], false
		}
		dst = AppendContinuation(dst, streamID, end, frag)
	}
	return dst
}
