package frames

import "testing"

func TestRSTStream(t *testing.T) {
	b := AppendRSTStream(nil, 7, ErrCodeCancel)
	golden(t, b, "000004 03 00 00000007 00000008")
	if f := mustRead(t, b); f.Type != FrameRSTStream || f.StreamID != 7 || f.ErrCode != ErrCodeCancel {
		t.Fatalf("got %+v", f)
	}
	// Unknown codes are passed on, not rejected (RFC 9113 §7).
	if f := mustRead(t, AppendRSTStream(nil, 1, 0xdeadbeef)); f.ErrCode != 0xdeadbeef {
		t.Fatalf("got %+v", f)
	}
	_, err := readOne(t, rawFrame(FrameRSTStream, 0, 0, 0, 0, 0, 8))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameRSTStream, 0, 1, 0, 0, 8))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FrameRSTStream, 0, 1, 0, 0, 0, 0, 8))
	wantConnErr(t, err, ErrCodeFrameSize)
}
