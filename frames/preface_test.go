package frames

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadClientPreface(t *testing.T) {
	if err := ReadClientPreface(strings.NewReader(ClientPreface + "rest")); err != nil {
		t.Fatal(err)
	}
	wantConnErr(t, ReadClientPreface(strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), ErrCodeProtocol)
	if err := ReadClientPreface(strings.NewReader("PRI *")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short preface: %v", err)
	}
	if err := ReadClientPreface(strings.NewReader("")); err != io.EOF {
		t.Fatalf("no preface: %v", err)
	}
}

func TestReaderClientPreface(t *testing.T) {
	// The preface and the first SETTINGS usually arrive in one segment.
	b := append([]byte(ClientPreface), AppendSettings(nil, Setting{SettingEnablePush, 0})...)
	r := NewReader(bytes.NewReader(b))
	if err := r.ReadClientPreface(); err != nil {
		t.Fatal(err)
	}
	if f, err := r.ReadFrame(); err != nil || f.Type != FrameSettings || f.NumSettings() != 1 {
		t.Fatalf("%+v %v", f, err)
	}
	r = NewReader(strings.NewReader("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"))
	wantConnErr(t, r.ReadClientPreface(), ErrCodeProtocol)
}
