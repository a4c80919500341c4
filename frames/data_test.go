package frames

import "testing"

func TestDataGolden(t *testing.T) {
	golden(t, AppendData(nil, 1, true, []byte("hello")), "000005 00 01 00000001 68656c6c6f")
	golden(t, AppendData(nil, 2, false, nil), "000000 00 00 00000002")
	golden(t, AppendDataPadded(nil, 3, false, []byte("hi"), 2), "000005 00 08 00000003 02 6869 0000")
	golden(t, AppendDataPadded(nil, 3, true, nil, 0), "000001 00 09 00000003 00")
}

func TestDataRead(t *testing.T) {
	f := mustRead(t, AppendData(nil, 1, true, []byte("hello")))
	if f.Type != FrameData || f.StreamID != 1 || !f.StreamEnded() || string(f.Data) != "hello" || f.Length != 5 {
		t.Fatalf("got %+v", f)
	}
	f = mustRead(t, AppendDataPadded(nil, 3, false, []byte("hi"), 200))
	// The flow-controlled length is the whole payload (RFC 9113 §6.1).
	if string(f.Data) != "hi" || f.PadLength != 200 || f.Length != 203 || f.StreamEnded() {
		t.Fatalf("got %+v", f)
	}
	// Padding may take all but the Pad Length octet.
	f = mustRead(t, rawFrame(FrameData, FlagPadded, 1, 2, 0, 0))
	if len(f.Data) != 0 || f.PadLength != 2 {
		t.Fatalf("got %+v", f)
	}
}

func TestDataInvalid(t *testing.T) {
	_, err := readOne(t, rawFrame(FrameData, 0, 0, 'x'))
	wantConnErr(t, err, ErrCodeProtocol)
	// Padding as long as the payload (which includes the Pad Length octet).
	_, err = readOne(t, rawFrame(FrameData, FlagPadded, 1, 3, 0, 0))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameData, FlagPadded, 1, 0xff))
	wantConnErr(t, err, ErrCodeProtocol)
	// No room for the Pad Length field at all (RFC 9113 §4.2).
	_, err = readOne(t, rawFrame(FrameData, FlagPadded, 1))
	wantConnErr(t, err, ErrCodeFrameSize)
}
