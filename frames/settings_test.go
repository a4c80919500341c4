package frames

import (
	"errors"
	"testing"
)

func TestSettingsGolden(t *testing.T) {
	golden(t, AppendSettings(nil, Setting{SettingInitialWindowSize, 65535}, Setting{SettingMaxFrameSize, 16384}),
		"00000c 04 00 00000000 0004 0000ffff 0005 00004000")
	golden(t, AppendSettings(nil), "000000 04 00 00000000")
	golden(t, AppendSettingsAck(nil), "000000 04 01 00000000")
}

func TestSettingsRead(t *testing.T) {
	in := []Setting{
		{SettingHeaderTableSize, 0}, {SettingEnablePush, 1}, {SettingMaxConcurrentStreams, 1<<32 - 1},
		{SettingInitialWindowSize, 1<<31 - 1}, {SettingMaxFrameSize, 1<<24 - 1}, {SettingMaxHeaderListSize, 7},
		{SettingEnableConnectProtocol, 1}, {SettingNoRFC7540Priorities, 1},
		{0xabcd, 1<<32 - 1}, // unknown settings are ignored, whatever their value (RFC 9113 §6.5.2)
		{SettingHeaderTableSize, 100},
	}
	f := mustRead(t, AppendSettings(nil, in...))
	if f.Type != FrameSettings || f.IsAck() || f.NumSettings() != len(in) {
		t.Fatalf("got %+v", f)
	}
	for i, s := range in {
		if f.Setting(i) != s {
			t.Errorf("Setting(%d) = %v, want %v", i, f.Setting(i), s)
		}
	}
	var got []Setting
	if err := f.ForeachSetting(func(s Setting) error { got = append(got, s); return nil }); err != nil || len(got) != len(in) {
		t.Fatalf("ForeachSetting: %v %v", got, err)
	}
	stop := errors.New("stop")
	n := 0
	if err := f.ForeachSetting(func(Setting) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("ForeachSetting did not stop: %v %d", err, n)
	}
	// The last value of a repeated setting is the one in force (§6.5.3).
	if v, ok := f.SettingValue(SettingHeaderTableSize); !ok || v != 100 {
		t.Fatalf("SettingValue = %d %v", v, ok)
	}
	if _, ok := f.SettingValue(SettingID(0x77)); ok {
		t.Fatal("SettingValue found an absent setting")
	}
	if f := mustRead(t, AppendSettingsAck(nil)); !f.IsAck() || f.NumSettings() != 0 {
		t.Fatalf("ack: %+v", f)
	}
}

func TestSettingsInvalid(t *testing.T) {
	_, err := readOne(t, rawFrame(FrameSettings, 0, 1))
	wantConnErr(t, err, ErrCodeProtocol)
	_, err = readOne(t, rawFrame(FrameSettings, FlagAck, 0, 0, 1, 0, 0, 0, 0))
	wantConnErr(t, err, ErrCodeFrameSize)
	_, err = readOne(t, rawFrame(FrameSettings, 0, 0, 0, 1, 0, 0, 0))
	wantConnErr(t, err, ErrCodeFrameSize)
	for _, c := range []struct {
		s    Setting
		code ErrCode
	}{
		{Setting{SettingEnablePush, 2}, ErrCodeProtocol},
		{Setting{SettingInitialWindowSize, 1 << 31}, ErrCodeFlowControl},
		{Setting{SettingMaxFrameSize, 1<<14 - 1}, ErrCodeProtocol},
		{Setting{SettingMaxFrameSize, 1 << 24}, ErrCodeProtocol},
		{Setting{SettingEnableConnectProtocol, 2}, ErrCodeProtocol},
		{Setting{SettingNoRFC7540Priorities, 2}, ErrCodeProtocol},
	} {
		wantConnErr(t, c.s.Valid(), c.code)
		_, err := readOne(t, AppendSettings(nil, Setting{SettingHeaderTableSize, 1}, c.s))
		wantConnErr(t, err, c.code)
	}
	if err := (Setting{SettingMaxFrameSize, 1 << 14}).Valid(); err != nil {
		t.Fatal(err)
	}
}
