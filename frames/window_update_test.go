package frames

import (
	"bytes"
	"testing"
)

func TestWindowUpdate(t *testing.T) {
	golden(t, AppendWindowUpdate(nil, 0, 1<<31|10), "000004 08 00 00000000 0000000a")
	golden(t, AppendWindowUpdate(nil, 3, 1<<31-1), "000004 08 00 00000003 7fffffff")
	f := mustRead(t, rawFrame(FrameWindowUpdate, 0, 3, 0x80, 0, 1, 0))
	if f.Type != FrameWindowUpdate || f.StreamID != 3 || f.Increment != 256 {
		t.Fatalf("got %+v", f)
	}
	_, err := readOne(t, rawFrame(FrameWindowUpdate, 0, 0, 0, 0, 1))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FrameWindowUpdate, 0, 1, 0, 0, 0, 0, 1))
	wantConnErr(t, err, ErrCodeFrameSize)
	// Increment 0: connection error on stream 0, stream error elsewhere,
	// even with only the reserved bit set (RFC 9113 §6.9).
	_, err = readOne(t, AppendWindowUpdate(nil, 0, 0))
	wantConnErr(t, err, ErrCodeProtocol)
	b := append(rawFrame(FrameWindowUpdate, 0, 9, 0x80, 0, 0, 0), AppendWindowUpdate(nil, 9, 1)...)
	r := NewReader(bytes.NewReader(b))
	_, err = r.ReadFrame()
	wantStreamErr(t, err, 9, ErrCodeProtocol)
	if f, err := r.ReadFrame(); err != nil || f.Increment != 1 {
		t.Fatalf("after the stream error: %+v %v", f, err)
	}
}
