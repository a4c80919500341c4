package frames

import (
	"bytes"
	"testing"
)

func TestPushPromiseGolden(t *testing.T) {
	golden(t, AppendPushPromise(nil, 1, 2, []byte{0x82}, 0), "000005 05 04 00000001 00000002 82")
	golden(t, AppendPushPromisePadded(nil, 1, 2, []byte{0x82}, 2, 0), "000008 05 0c 00000001 02 00000002 82 0000")
	golden(t, AppendPushPromise(nil, 1, 2, []byte{1, 2, 3}, 6),
		"000006 05 00 00000001 00000002 0102"+
			"000001 09 04 00000001 03")
}

func TestPushPromiseRead(t *testing.T) {
	block := bytes.Repeat([]byte("pp"), 20000)
	f := mustRead(t, AppendPushPromisePadded(nil, 1, 1<<31|4, block, 3, 0))
	if f.Type != FramePushPromise || f.StreamID != 1 || f.PromiseID != 4 || f.PadLength != 3 ||
		!bytes.Equal(f.Data, block) || !f.Flags.Has(FlagEndHeaders) {
		t.Fatalf("got %v %d %d %d", f.Type, f.StreamID, f.PromiseID, f.PadLength)
	}
}

func TestPushPromiseInvalid(t *testing.T) {
	_, err := readOne(t, rawFrame(FramePushPromise, FlagEndHeaders, 0, 0, 0, 0, 2))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FramePushPromise, FlagEndHeaders, 1, 0, 0, 2))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FramePushPromise, FlagEndHeaders|FlagPadded, 1, 1, 0, 0, 0, 2))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FramePushPromise, FlagEndHeaders, 1, 0, 0, 0, 0))
	wantConnErr(t, err, ErrCodeProtocol)
}
