package frames

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestHeadersGolden(t *testing.T) {
	golden(t, AppendHeaders(nil, 1, true, []byte{0x82, 0x86}, 0), "000002 01 05 00000001 8286")
	golden(t, AppendHeadersParam(nil, &HeadersParam{
		StreamID: 3, Block: []byte{0x82}, Padded: true, PadLength: 1,
		HasPriority: true, Priority: PriorityParam{StreamDep: 1, Exclusive: true, Weight: 15},
	}), "000008 01 2c 00000003 01 80000001 0f 82 00")
	// A block larger than the frame size continues in CONTINUATION frames,
	// END_HEADERS only on the last (RFC 9113 §6.10).
	golden(t, AppendHeaders(nil, 5, false, []byte{1, 2, 3, 4, 5}, 2),
		"000002 01 00 00000005 0102"+
			"000002 09 00 00000005 0304"+
			"000001 09 04 00000005 05")
	// An empty block is one HEADERS frame.
	golden(t, AppendHeaders(nil, 1, false, nil, 0), "000000 01 04 00000001")
	golden(t, AppendContinuation(nil, 1, true, []byte{0x82}), "000001 09 04 00000001 82")
}

func TestHeadersRead(t *testing.T) {
	f := mustRead(t, AppendHeadersParam(nil, &HeadersParam{
		StreamID: 3, EndStream: true, Block: []byte("block"), Padded: true, PadLength: 7,
		HasPriority: true, Priority: PriorityParam{StreamDep: 1, Exclusive: true, Weight: 15},
	}))
	want := PriorityParam{StreamDep: 1, Exclusive: true, Weight: 15}
	if f.Type != FrameHeaders || f.StreamID != 3 || string(f.Data) != "block" || f.PadLength != 7 ||
		f.Priority != want || !f.StreamEnded() || !f.Flags.Has(FlagEndHeaders|FlagPriority|FlagPadded) {
		t.Fatalf("got %+v", f)
	}
}

func TestHeadersContinuationReassembly(t *testing.T) {
	block := make([]byte, 40000)
	for i := range block {
		block[i] = byte(i)
	}
	var b []byte
	b = AppendHeaders(b, 7, true, block, 1000) // 1 HEADERS + 39 CONTINUATION
	b = AppendData(b, 7, true, []byte("x"))
	r := NewReader(bytes.NewReader(b))
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != FrameHeaders || f.StreamID != 7 || !bytes.Equal(f.Data, block) ||
		!f.Flags.Has(FlagEndHeaders|FlagEndStream) || f.Length != 1000 {
		t.Fatalf("got %v %d %x len %d", f.Type, f.StreamID, f.Flags, len(f.Data))
	}
	if f, err = r.ReadFrame(); err != nil || f.Type != FrameData || string(f.Data) != "x" {
		t.Fatalf("next frame: %+v %v", f, err)
	}
	if cap(r.block) > DefaultMaxHeaderBlockSize {
		t.Fatalf("reassembly buffer cap %d exceeds the limit", cap(r.block))
	}
}

func TestHeadersInvalid(t *testing.T) {
	_, err := readOne(t, rawFrame(FrameHeaders, FlagEndHeaders, 0, 0x82))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameHeaders, FlagEndHeaders|FlagPadded, 1, 2, 0x82))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameHeaders, FlagEndHeaders|FlagPadded, 1))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FrameHeaders, FlagEndHeaders|FlagPriority, 1, 0, 0, 0, 0))
	wantConnErr(t, err, ErrCodeFrameSize)
	// Padding counted after the priority fields.
	_, err = readOne(t, rawFrame(FrameHeaders, FlagEndHeaders|FlagPadded|FlagPriority, 1, 1, 0, 0, 0, 0, 0))
	wantConnErr(t, err, ErrCodeProtocol)
}

// A stream depending on itself is a stream error (RFC 9113 §5.3.1). The
// block is still returned, complete, because the connection must decode it
// to keep HPACK in sync, and the Reader goes on.
func TestHeadersSelfDependency(t *testing.T) {
	var b []byte
	b = AppendHeadersParam(b, &HeadersParam{StreamID: 5, Block: []byte("abcdef"), MaxFrameSize: 8,
		HasPriority: true, Priority: PriorityParam{StreamDep: 5}})
	b = AppendPing(b, false, [8]byte{1})
	r := NewReader(bytes.NewReader(b))
	f, err := r.ReadFrame()
	wantStreamErr(t, err, 5, ErrCodeProtocol)
	if f == nil || f.Type != FrameHeaders || string(f.Data) != "abcdef" {
		t.Fatalf("frame with the stream error: %+v", f)
	}
	if f, err = r.ReadFrame(); err != nil || f.Type != FramePing {
		t.Fatalf("after the stream error: %+v %v", f, err)
	}
}

func TestContinuationOrder(t *testing.T) {
	open := rawFrame(FrameHeaders, 0, 1, 0x82)
	for name, b := range map[string][]byte{
		"no HEADERS":             rawFrame(FrameContinuation, FlagEndHeaders, 1, 0x82),
		"after complete block":   append(rawFrame(FrameHeaders, FlagEndHeaders, 1, 0x82), rawFrame(FrameContinuation, FlagEndHeaders, 1, 0x82)...),
		"other stream":           append(bytes.Clone(open), rawFrame(FrameContinuation, FlagEndHeaders, 3, 0x82)...),
		"stream 0":               append(bytes.Clone(open), rawFrame(FrameContinuation, FlagEndHeaders, 0, 0x82)...),
		"DATA inside":            append(bytes.Clone(open), rawFrame(FrameData, 0, 1, 0x82)...),
		"PING inside":            append(bytes.Clone(open), AppendPing(nil, false, [8]byte{})...),
		"HEADERS inside":         append(bytes.Clone(open), rawFrame(FrameHeaders, FlagEndHeaders, 1, 0x82)...),
		"unknown type inside":    append(bytes.Clone(open), rawFrame(0x42, 0, 1, 0x82)...),
		"PUSH_PROMISE then DATA": append(rawFrame(FramePushPromise, 0, 1, 0, 0, 0, 2), rawFrame(FrameData, 0, 1)...),
	} {
		t.Run(name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(b))
			var err error
			for err == nil {
				_, err = r.ReadFrame()
			}
			wantConnErr(t, err, ErrCodeProtocol)
			// Connection errors are sticky.
			if _, err2 := r.ReadFrame(); err2 != err {
				t.Fatalf("second ReadFrame: %v, want %v", err2, err)
			}
		})
	}
}

// The CONTINUATION flood family (CVE-2024-27316 and others): a peer that
// never ends a header block, with huge or with tiny frames, is cut off at
// our bound, and what we buffer never exceeds that bound.
func TestContinuationFlood(t *testing.T) {
	t.Run("endless large frames", func(t *testing.T) {
		r := NewReader(&floodReader{head: rawFrame(FrameHeaders, 0, 1, 0x82), frameLen: DefaultMaxFrameSize})
		_, err := r.ReadFrame()
		wantConnErr(t, err, ErrCodeEnhanceYourCalm)
		if cap(r.block) > DefaultMaxHeaderBlockSize || len(r.buf) > BulkReadSize {
			t.Fatalf("buffered %d block, %d read buffer", cap(r.block), len(r.buf))
		}
	})
	t.Run("endless empty frames", func(t *testing.T) {
		fr := &floodReader{head: rawFrame(FrameHeaders, 0, 1, 0x82), frameLen: 0}
		r := NewReader(fr)
		_, err := r.ReadFrame()
		wantConnErr(t, err, ErrCodeEnhanceYourCalm)
		if fr.frames > DefaultMaxContinuations+1+len(r.buf)/HeaderLen {
			t.Fatalf("read %d frames before giving up", fr.frames)
		}
	})
	t.Run("one frame over the block limit", func(t *testing.T) {
		r := NewReader(bytes.NewReader(AppendHeaders(nil, 1, false, make([]byte, 101), 50)))
		r.SetMaxHeaderBlockSize(100)
		_, err := r.ReadFrame()
		wantConnErr(t, err, ErrCodeEnhanceYourCalm)
		r = NewReader(bytes.NewReader(AppendHeaders(nil, 1, false, make([]byte, 100), 50)))
		r.SetMaxHeaderBlockSize(100)
		if _, err := r.ReadFrame(); err != nil {
			t.Fatalf("block at the limit: %v", err)
		}
		if cap(r.block) > 100 {
			t.Fatalf("reassembly buffer cap %d over the 100-octet limit", cap(r.block))
		}
	})
	t.Run("single HEADERS over the block limit", func(t *testing.T) {
		r := NewReader(bytes.NewReader(AppendHeaders(nil, 1, false, make([]byte, 101), 0)))
		r.SetMaxHeaderBlockSize(100)
		_, err := r.ReadFrame()
		wantConnErr(t, err, ErrCodeEnhanceYourCalm)
	})
	t.Run("continuation count", func(t *testing.T) {
		b := AppendHeaders(nil, 1, false, make([]byte, 4), 1) // 3 CONTINUATIONs
		r := NewReader(bytes.NewReader(b))
		r.SetMaxContinuations(2)
		_, err := r.ReadFrame()
		wantConnErr(t, err, ErrCodeEnhanceYourCalm)
		r = NewReader(bytes.NewReader(b))
		r.SetMaxContinuations(3)
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
}

// floodReader sends head and then CONTINUATION frames without END_HEADERS
// forever, generating them instead of holding them in memory.
type floodReader struct {
	head     []byte
	frameLen int
	cur      []byte
	frames   int
}

func (fr *floodReader) Read(p []byte) (int, error) {
	if len(fr.cur) == 0 {
		if fr.head != nil {
			fr.cur, fr.head = fr.head, nil
		} else {
			fr.cur = rawFrame(FrameContinuation, 0, 1, make([]byte, fr.frameLen)...)
		}
		fr.frames++
	}
	n := copy(p, fr.cur)
	fr.cur = fr.cur[n:]
	return n, nil
}

func TestHeadersBlockEOF(t *testing.T) {
	// EOF between the frames of a block is unexpected: the block is not
	// complete.
	r := NewReader(bytes.NewReader(rawFrame(FrameHeaders, 0, 1, 0x82)))
	if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
}
