package frames

import (
	"bytes"
	"testing"
)

func TestPriorityGolden(t *testing.T) {
	golden(t, AppendPriority(nil, 5, PriorityParam{StreamDep: 3, Weight: 255}), "000005 02 00 00000005 00000003 ff")
	golden(t, AppendPriority(nil, 5, PriorityParam{StreamDep: 3, Exclusive: true}), "000005 02 00 00000005 80000003 00")
}

func TestPriorityRead(t *testing.T) {
	f := mustRead(t, AppendPriority(nil, 5, PriorityParam{StreamDep: 3, Exclusive: true, Weight: 9}))
	if f.Type != FramePriority || f.StreamID != 5 || f.Priority != (PriorityParam{3, true, 9}) {
		t.Fatalf("got %+v", f)
	}
}

func TestPriorityInvalid(t *testing.T) {
	_, err := readOne(t, rawFrame(FramePriority, 0, 0, 0, 0, 0, 1, 0))
	wantConnErr(t, err, ErrCodeProtocol)
	// RFC 9113 §6.3: a wrong length is a stream error, and the Reader
	// stays usable.
	for _, n := range []int{0, 4, 6} {
		b := append(rawFrame(FramePriority, 0, 3, make([]byte, n)...), AppendWindowUpdate(nil, 0, 1)...)
		r := NewReader(bytes.NewReader(b))
		_, err = r.ReadFrame()
		wantStreamErr(t, err, 3, ErrCodeFrameSize)
		if f, err := r.ReadFrame(); err != nil || f.Type != FrameWindowUpdate {
			t.Fatalf("after stream error: %v %v", f, err)
		}
	}
	f, err := readOne(t, AppendPriority(nil, 7, PriorityParam{StreamDep: 7}))
	wantStreamErr(t, err, 7, ErrCodeProtocol)
	if f == nil || f.Type != FramePriority {
		t.Fatalf("no frame with the stream error")
	}
}
