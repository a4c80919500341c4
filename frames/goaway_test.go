package frames

import "testing"

func TestGoAway(t *testing.T) {
	b := AppendGoAway(nil, 5, ErrCodeProtocol, []byte("x"))
	golden(t, b, "000009 07 00 00000000 00000005 00000001 78")
	golden(t, AppendGoAway(nil, 1<<31|1, ErrCodeNo, nil), "000008 07 00 00000000 00000001 00000000")
	f := mustRead(t, b)
	if f.Type != FrameGoAway || f.LastStreamID != 5 || f.ErrCode != ErrCodeProtocol || string(f.Data) != "x" {
		t.Fatalf("got %+v", f)
	}
	if f := mustRead(t, rawFrame(FrameGoAway, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)); f.LastStreamID != 1<<31-1 {
		t.Fatalf("reserved bit not ignored: %+v", f)
	}
	_, err := readOne(t, rawFrame(FrameGoAway, 0, 1, make([]byte, 8)...))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameGoAway, 0, 0, make([]byte, 7)...))
	wantConnErr(t, err, ErrCodeFrameSize)
}
