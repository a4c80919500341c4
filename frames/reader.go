package frames

import (
	"errors"
	"io"
)

// Default bounds on one header block (a HEADERS or PUSH_PROMISE frame and its
// CONTINUATION frames). RFC 9113 puts no limit on either; without one, a peer
// that never sends END_HEADERS makes the receiver buffer without end (the
// 2024 CONTINUATION flood family).
const (
	// DefaultMaxHeaderBlockSize bounds the encoded block. It is four times
	// DESIGN.md's 16 KiB decoded header list limit, which leaves room for
	// literal, unindexed encodings of a list that decodes within bounds.
	DefaultMaxHeaderBlockSize = 64 << 10
	// DefaultMaxContinuations bounds the CONTINUATION frames of one block.
	// Encoders split blocks at the peer's maximum frame size, so a 64 KiB
	// block needs at most 4 of them; 64 leaves plenty of room for peers that
	// split finer, while a flood of tiny frames ends quickly.
	DefaultMaxContinuations = 64
)

// shrinkAfter is how many small reads in a row take a Reader back from
// the bulk buffer to the small one.
const shrinkAfter = 16

// BulkReadSize is the read buffer of a Reader whose peer sends in bulk:
// large enough that a read(2) takes what a peer's write of several frames
// put in the socket.
const BulkReadSize = 64 << 10

// errBadRead reports an io.Reader that broke its contract.
var errBadRead = errors.New("frames: io.Reader returned an invalid count")

// Reader reads frames from a byte stream through a buffer it owns. The buffer
// holds one maximum-size frame plus its header; smaller frames are served
// from it many at a time, so a connection makes few read calls. A Reader
// whose reads keep filling the buffer (a peer streaming DATA faster than
// it is parsed) grows it to BulkReadSize, and goes back to the small one
// after a run of small reads; others keep the small one.
//
// A Reader is not safe for concurrent use: a connection has one reader
// goroutine.
type Reader struct {
	src  io.Reader
	buf  []byte // buffered input is buf[rpos:wpos]
	rpos int
	wpos int
	// bulk is set when a read filled all of a space over half the buffer
	// (the peer had more to give): the next fill grows the buffer to
	// BulkReadSize.
	bulk bool
	// smallReads counts the reads in a row that brought less than a
	// quarter of BulkReadSize: after shrinkAfter of them a bulk buffer
	// goes back to the small size, so that a connection that once
	// streamed and then went quiet does not keep 64 KiB for good.
	smallReads int
	// srcErr is an error from src that arrived together with data; it is
	// reported once the buffered data no longer suffices.
	srcErr error
	// fatal is the ConnError that ended the connection; it repeats.
	fatal error

	maxFrameSize     uint32
	maxBlockSize     uint32
	maxContinuations int

	// inBlock is set while a header block is open: only CONTINUATION
	// frames on f.StreamID may follow (RFC 9113 §6.10). It survives an I/O
	// error, so a read that timed out can be resumed.
	inBlock       bool
	continuations int
	blockErr      *StreamError // stream error to report once the block ends
	block         []byte       // reassembled header block

	f    Frame
	serr StreamError
}

// NewReader returns a Reader that reads frames from src, with the default
// limits: DefaultMaxFrameSize, DefaultMaxHeaderBlockSize and
// DefaultMaxContinuations.
func NewReader(src io.Reader) *Reader {
	return &Reader{
		src:              src,
		buf:              make([]byte, HeaderLen+DefaultMaxFrameSize),
		maxFrameSize:     DefaultMaxFrameSize,
		maxBlockSize:     DefaultMaxHeaderBlockSize,
		maxContinuations: DefaultMaxContinuations,
	}
}

// Reset discards all state and makes r read from src, keeping its buffers
// and limits.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	r.rpos, r.wpos = 0, 0
	r.srcErr, r.fatal = nil, nil
	r.inBlock, r.continuations, r.blockErr = false, 0, nil
	r.block = r.block[:0]
	r.f = Frame{}
}

// SetMaxReadFrameSize sets the largest frame payload r accepts, which must be
// the SETTINGS_MAX_FRAME_SIZE this endpoint advertised. It is clamped to the
// legal range DefaultMaxFrameSize..MaxFrameSizeLimit (RFC 9113 §6.5.2). The
// buffer grows to the new size only when a frame needs it.
func (r *Reader) SetMaxReadFrameSize(n uint32) {
	r.maxFrameSize = min(max(n, DefaultMaxFrameSize), MaxFrameSizeLimit)
}

// SetMaxHeaderBlockSize bounds the total size of a header block, counting
// every fragment of a HEADERS or PUSH_PROMISE frame and its CONTINUATION
// frames. A larger block is a connection error ENHANCE_YOUR_CALM, detected
// from the frame headers before any of the excess is buffered.
func (r *Reader) SetMaxHeaderBlockSize(n uint32) { r.maxBlockSize = n }

// Buffered reports how many octets the Reader holds that it has not yet
// returned in frames: with none, the next ReadFrame reads from its source.
func (r *Reader) Buffered() int { return r.wpos - r.rpos }

// SetMaxContinuations bounds the number of CONTINUATION frames in one header
// block. One more is a connection error ENHANCE_YOUR_CALM.
func (r *Reader) SetMaxContinuations(n int) { r.maxContinuations = n }

// ReadFrame reads the next frame. The returned Frame is owned by r and is
// valid, with every slice in it, until the next call to ReadFrame.
//
// CONTINUATION frames are never returned: ReadFrame reads them itself and
// returns the HEADERS or PUSH_PROMISE frame they continue with the complete
// block in Data and FlagEndHeaders set; the Header is otherwise that of the
// first frame. Frames of unknown type are returned as they are, for the
// caller to ignore (RFC 9113 §4.1, §5.5).
//
// Errors are of three kinds:
//   - *ConnError: a connection error; this and every later call return it
//     and a nil Frame.
//   - *StreamError: a stream error; the Frame is returned with it (for a
//     HEADERS frame, with its complete block, which the caller must still
//     run through its HPACK decoder to keep the shared state in sync, RFC
//     9113 §4.3) and the next call reads the next frame.
//   - errors from the underlying reader, passed through: io.EOF at a frame
//     boundary, io.ErrUnexpectedEOF inside a frame or header block. Nothing
//     of a partly received frame is consumed, so after a transient error,
//     such as a deadline, ReadFrame may be called again.
func (r *Reader) ReadFrame() (*Frame, error) {
	if r.fatal != nil {
		return nil, r.fatal
	}
	f := &r.f
	if !r.inBlock {
		if poisonViews {
			poison(f.Data)
			poison(f.settings)
		}
		*f = Frame{}
	}
	for {
		if err := r.fill(HeaderLen); err != nil {
			return nil, r.srcError(err, r.wpos > r.rpos)
		}
		h := parseHeader(r.buf[r.rpos:])
		// RFC 9113 §4.2 lets a too-large frame on a stream be a stream
		// error, but skipping it would mean reading an attacker-chosen
		// length; a connection error is always allowed (§5.4.1).
		if h.Length > r.maxFrameSize {
			return nil, r.fail(errFrameTooLarge)
		}
		if r.inBlock {
			if err := r.checkContinuation(h); err != nil {
				return nil, r.fail(err)
			}
		} else if h.Type == FrameContinuation {
			return nil, r.fail(errUnexpectedContinuation)
		}
		n := HeaderLen + int(h.Length)
		if err := r.fill(n); err != nil {
			return nil, r.srcError(err, true)
		}
		p := r.buf[r.rpos+HeaderLen : r.rpos+n : r.rpos+n]
		r.rpos += n

		if r.inBlock {
			r.growBlock(len(p))
			r.block = append(r.block, p...)
			r.continuations++
			if !h.Flags.Has(FlagEndHeaders) {
				continue
			}
			return r.endBlock()
		}

		f.Header = h
		var err error
		switch h.Type {
		case FrameData:
			err = parseData(f, p)
		case FrameHeaders:
			err = parseHeaders(f, p)
		case FramePriority:
			err = parsePriority(f, p)
		case FrameRSTStream:
			err = parseRSTStream(f, p)
		case FrameSettings:
			err = parseSettings(f, p)
		case FramePushPromise:
			err = parsePushPromise(f, p)
		case FramePing:
			err = parsePing(f, p)
		case FrameGoAway:
			err = parseGoAway(f, p)
		case FrameWindowUpdate:
			err = parseWindowUpdate(f, p)
		default:
			f.Data = p
		}
		var serr *StreamError
		switch e := err.(type) {
		case nil:
		case *StreamError:
			serr = e
		default:
			return nil, r.fail(err)
		}
		if (h.Type == FrameHeaders || h.Type == FramePushPromise) && !h.Flags.Has(FlagEndHeaders) {
			if err := r.startBlock(f.Data); err != nil {
				return nil, r.fail(err)
			}
			r.blockErr = serr
			continue
		}
		if (h.Type == FrameHeaders || h.Type == FramePushPromise) && uint32(len(f.Data)) > r.maxBlockSize {
			return nil, r.fail(errBlockTooLarge)
		}
		if serr != nil {
			return f, r.streamError(serr)
		}
		return f, nil
	}
}

// checkContinuation vets the header of a frame inside an open header block,
// before its payload is buffered, so that memory is bounded by our limits
// and never by lengths the peer chooses.
func (r *Reader) checkContinuation(h Header) error {
	// RFC 9113 §6.10: a header block is a contiguous sequence of frames on
	// one stream; anything else, unknown frame types included, is a
	// connection error PROTOCOL_ERROR.
	if h.Type != FrameContinuation || h.StreamID != r.f.StreamID {
		return errInterruptedBlock
	}
	if r.continuations >= r.maxContinuations {
		return errTooManyContinuity
	}
	if uint64(len(r.block))+uint64(h.Length) > uint64(r.maxBlockSize) {
		return errBlockTooLarge
	}
	return nil
}

// startBlock opens a header block with the first fragment, copied out of the
// read buffer, which the CONTINUATION frames will reuse.
func (r *Reader) startBlock(frag []byte) error {
	if uint64(len(frag)) > uint64(r.maxBlockSize) {
		return errBlockTooLarge
	}
	r.block = r.block[:0]
	r.growBlock(len(frag))
	r.block = append(r.block, frag...)
	r.inBlock = true
	r.continuations = 0
	return nil
}

// growBlock makes room for n more octets in the reassembly buffer, doubling
// as append would but never past the block size limit, which the caller
// has checked len(r.block)+n against.
func (r *Reader) growBlock(n int) {
	need := len(r.block) + n
	if need <= cap(r.block) {
		return
	}
	nb := make([]byte, len(r.block), min(max(need, 2*cap(r.block), 512), max(need, int(r.maxBlockSize))))
	copy(nb, r.block)
	r.block = nb
}

func (r *Reader) endBlock() (*Frame, error) {
	f := &r.f
	f.Data = r.block
	f.Flags |= FlagEndHeaders
	r.inBlock = false
	if serr := r.blockErr; serr != nil {
		r.blockErr = nil
		return f, r.streamError(serr)
	}
	return f, nil
}

// streamError fills the Reader's StreamError from a template for the
// current frame's stream, so that reporting it does not allocate.
func (r *Reader) streamError(tmpl *StreamError) error {
	r.serr = *tmpl
	r.serr.StreamID = r.f.StreamID
	return &r.serr
}

func (r *Reader) fail(err error) error {
	r.fatal = err
	return err
}

// srcError maps an error of the underlying reader: io.EOF is clean only at
// a frame boundary outside a header block.
func (r *Reader) srcError(err error, midFrame bool) error {
	if err == io.EOF && (midFrame || r.inBlock) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fill makes at least n octets available at buf[rpos:], reading as much as
// the buffer holds so that many small frames cost one read call.
func (r *Reader) fill(n int) error {
	if r.wpos-r.rpos >= n {
		return nil
	}
	// Grow only to the largest frame allowed, never to a length the peer
	// chose: n was checked against maxFrameSize by the caller. Or to
	// BulkReadSize for a peer that sends in bulk (with 16 KiB reads a
	// stream of 1 KiB messages cost three times the read(2) calls, and 6%
	// more CPU in the streaming benchmark; bench/NOTES.md), and back to
	// the small size after a run of small reads.
	size := len(r.buf)
	small := max(n, HeaderLen+int(r.maxFrameSize))
	if n > size {
		size = small
	}
	switch {
	case r.bulk:
		r.bulk = false
		size = max(size, BulkReadSize)
	case r.smallReads >= shrinkAfter && size > small && r.wpos-r.rpos <= small/2:
		r.smallReads = 0
		size = small
	}
	if size != len(r.buf) {
		// What is buffered moves to the new buffer.
		nb := make([]byte, size)
		r.wpos = copy(nb, r.buf[r.rpos:r.wpos])
		r.rpos = 0
		r.buf = nb
	} else if len(r.buf)-r.rpos < n {
		r.wpos = copy(r.buf, r.buf[r.rpos:r.wpos])
		r.rpos = 0
	}
	for empty := 0; r.wpos-r.rpos < n; {
		if err := r.srcErr; err != nil {
			r.srcErr = nil
			return err
		}
		space := len(r.buf) - r.wpos
		m, err := r.src.Read(r.buf[r.wpos:])
		if m < 0 || m > space {
			return errBadRead
		}
		if m == space && 2*space > len(r.buf) && len(r.buf) < BulkReadSize {
			r.bulk = true
		}
		if len(r.buf) >= BulkReadSize && m < BulkReadSize/4 {
			r.smallReads++
		} else {
			r.smallReads = 0
		}
		r.wpos += m
		if err != nil {
			r.srcErr = err
			continue
		}
		if m == 0 {
			// An io.Reader may return 0, nil; give up like bufio does
			// rather than spin.
			if empty++; empty >= 100 {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

// poison overwrites a view that has expired; see poisonViews.
func poison(b []byte) {
	for i := range b {
		b[i] = 0xA5
	}
}
