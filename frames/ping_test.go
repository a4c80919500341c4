package frames

import "testing"

func TestPing(t *testing.T) {
	data := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	b := AppendPing(nil, true, data)
	golden(t, b, "000008 06 01 00000000 0102030405060708")
	golden(t, AppendPing(nil, false, [8]byte{}), "000008 06 00 00000000 0000000000000000")
	f := mustRead(t, b)
	if f.Type != FramePing || !f.IsAck() || f.PingData() != data {
		t.Fatalf("got %+v", f)
	}
	_, err := readOne(t, rawFrame(FramePing, 0, 1, make([]byte, 8)...))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FramePing, 0, 0, make([]byte, 7)...))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FramePing, 0, 0, make([]byte, 9)...))
	wantConnErr(t, err, ErrCodeFrameSize)
}
