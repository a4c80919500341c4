package frames

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes hex written with spaces for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// golden checks that an encoder produced exactly the expected octets.
func golden(t *testing.T, got []byte, want string) {
	t.Helper()
	if w := unhex(t, want); !bytes.Equal(got, w) {
		t.Fatalf("encoding:\n got %x\nwant %x", got, w)
	}
}

// readOne reads the first frame of b with a fresh Reader.
func readOne(t *testing.T, b []byte) (*Frame, error) {
	t.Helper()
	return NewReader(bytes.NewReader(b)).ReadFrame()
}

// mustRead reads the single frame in b and checks that nothing follows.
func mustRead(t *testing.T, b []byte) *Frame {
	t.Helper()
	r := NewReader(bytes.NewReader(b))
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatalf("ReadFrame(%x): %v", b, err)
	}
	cp := *f
	cp.Data = bytes.Clone(f.Data)
	cp.settings = bytes.Clone(f.settings)
	if _, err := r.ReadFrame(); err == nil || err.Error() != "EOF" {
		t.Fatalf("after the frame: got %v, want EOF", err)
	}
	return &cp
}

// wantConnErr checks that err is a connection error with code.
func wantConnErr(t *testing.T, err error, code ErrCode) {
	t.Helper()
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("got error %v, want connection error %v", err, code)
	}
}

// wantStreamErr checks that err is a stream error on stream id with code.
func wantStreamErr(t *testing.T, err error, id uint32, code ErrCode) {
	t.Helper()
	var se *StreamError
	if !errors.As(err, &se) || se.Code != code || se.StreamID != id {
		t.Fatalf("got error %v, want stream error %v on stream %d", err, code, id)
	}
}

// rawFrame builds a frame by hand, for inputs our encoders refuse to make.
func rawFrame(t Type, flags Flags, streamID uint32, payload ...byte) []byte {
	b := AppendFrameHeader(nil, Header{Length: uint32(len(payload)), Type: t, Flags: flags, StreamID: streamID})
	return append(b, payload...)
}

func TestFrameHeaderGolden(t *testing.T) {
	b := AppendFrameHeader(nil, Header{Length: 0x123456, Type: FrameHeaders, Flags: FlagEndHeaders | FlagPadded, StreamID: 1<<31 | 0x01020304})
	// RFC 9113 §4.1: the reserved bit is sent as zero.
	golden(t, b, "123456 01 0c 01020304")
	// And ignored on receipt.
	h := parseHeader(unhex(t, "000000 00 00 ffffffff"))
	if h.StreamID != 1<<31-1 {
		t.Fatalf("StreamID = %#x, want reserved bit cleared", h.StreamID)
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{FrameData.String(), "DATA"},
		{FrameContinuation.String(), "CONTINUATION"},
		{Type(0x42).String(), "UNKNOWN_FRAME_TYPE_66"},
		{ErrCodeNo.String(), "NO_ERROR"},
		{ErrCodeHTTP11Required.String(), "HTTP_1_1_REQUIRED"},
		{ErrCode(0xff).String(), "UNKNOWN_ERROR_0xff"},
		{SettingEnableConnectProtocol.String(), "ENABLE_CONNECT_PROTOCOL"},
		{SettingID(7).String(), "UNKNOWN_SETTING_7"},
		{errFrameTooLarge.Error(), "frames: connection error FRAME_SIZE_ERROR: frame length exceeds SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2)"},
		{(&StreamError{StreamID: 3, Code: ErrCodeProtocol, Reason: "x"}).Error(), "frames: stream error on stream 3 PROTOCOL_ERROR: x"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestErrorsIs(t *testing.T) {
	if !errors.Is(errPadding, &ConnError{Code: ErrCodeProtocol}) {
		t.Error("ConnError does not match its code")
	}
	if errors.Is(errPadding, &ConnError{Code: ErrCodeFrameSize}) {
		t.Error("ConnError matches another code")
	}
	se := &StreamError{StreamID: 5, Code: ErrCodeProtocol, Reason: "r"}
	if !errors.Is(se, &StreamError{Code: ErrCodeProtocol}) || errors.Is(se, &StreamError{StreamID: 7, Code: ErrCodeProtocol}) {
		t.Error("StreamError.Is")
	}
}

func TestFlagsHas(t *testing.T) {
	f := FlagEndStream | FlagPadded
	if !f.Has(FlagPadded) || !f.Has(FlagEndStream|FlagPadded) || f.Has(FlagPriority) || !f.Has(0) {
		t.Fatal("Has")
	}
}
