package frames

import "strconv"

// SettingID identifies a SETTINGS parameter (RFC 9113 §6.5.2).
type SettingID uint16

// Known settings. Unknown ones are ignored on receipt (RFC 9113 §6.5.2).
const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
	// SettingEnableConnectProtocol is from RFC 8441 §3.
	SettingEnableConnectProtocol SettingID = 0x8
	// SettingNoRFC7540Priorities is from RFC 9218 §2.1.
	SettingNoRFC7540Priorities SettingID = 0x9
)

var settingNames = [...]string{
	SettingHeaderTableSize:       "HEADER_TABLE_SIZE",
	SettingEnablePush:            "ENABLE_PUSH",
	SettingMaxConcurrentStreams:  "MAX_CONCURRENT_STREAMS",
	SettingInitialWindowSize:     "INITIAL_WINDOW_SIZE",
	SettingMaxFrameSize:          "MAX_FRAME_SIZE",
	SettingMaxHeaderListSize:     "MAX_HEADER_LIST_SIZE",
	SettingEnableConnectProtocol: "ENABLE_CONNECT_PROTOCOL",
	SettingNoRFC7540Priorities:   "NO_RFC7540_PRIORITIES",
}

// String returns the RFC name of s without its SETTINGS_ prefix, or
// UNKNOWN_SETTING_n.
func (s SettingID) String() string {
	if int(s) < len(settingNames) && settingNames[s] != "" {
		return settingNames[s]
	}
	return "UNKNOWN_SETTING_" + strconv.Itoa(int(s))
}

// Setting is one SETTINGS parameter.
type Setting struct {
	ID  SettingID
	Val uint32
}

// Valid reports whether s has a legal value, as a *ConnError with the code
// RFC 9113 §6.5.2 requires. ReadFrame already rejects SETTINGS frames with
// invalid values; Valid is for checking settings before sending them.
func (s Setting) Valid() error {
	switch s.ID {
	case SettingEnablePush:
		if s.Val > 1 {
			return errEnablePush
		}
	case SettingInitialWindowSize:
		if s.Val > 1<<31-1 {
			return errInitialWindow
		}
	case SettingMaxFrameSize:
		if s.Val < DefaultMaxFrameSize || s.Val > MaxFrameSizeLimit {
			return errMaxFrameSize
		}
	case SettingEnableConnectProtocol:
		if s.Val > 1 {
			return errConnectProtocol
		}
	case SettingNoRFC7540Priorities:
		if s.Val > 1 {
			return errNoRFC7540Prio
		}
	}
	return nil
}

// parseSettings decodes and validates a SETTINGS frame (RFC 9113 §6.5).
func parseSettings(f *Frame, p []byte) error {
	if f.StreamID != 0 {
		return errSettingsStream
	}
	if f.Flags.Has(FlagAck) {
		if len(p) != 0 {
			return errSettingsAckSize
		}
		return nil
	}
	if len(p)%6 != 0 {
		return errSettingsSize
	}
	for i := 0; i < len(p); i += 6 {
		if err := settingAt(p, i).Valid(); err != nil {
			return err
		}
	}
	f.settings = p
	return nil
}

func settingAt(p []byte, off int) Setting {
	return Setting{ID: SettingID(p[off])<<8 | SettingID(p[off+1]), Val: be32(p[off+2:])}
}

// NumSettings returns the number of parameters in a SETTINGS frame.
func (f *Frame) NumSettings() int { return len(f.settings) / 6 }

// Setting returns the i'th parameter of a SETTINGS frame, in frame order,
// which is the order they must be applied in (RFC 9113 §6.5.3).
// 0 <= i < NumSettings().
func (f *Frame) Setting(i int) Setting { return settingAt(f.settings, i*6) }

// ForeachSetting calls fn for each parameter of a SETTINGS frame in order,
// stopping at the first error, which it returns.
func (f *Frame) ForeachSetting(fn func(Setting) error) error {
	for i := 0; i < len(f.settings); i += 6 {
		if err := fn(settingAt(f.settings, i)); err != nil {
			return err
		}
	}
	return nil
}

// SettingValue returns the last value of setting id in a SETTINGS frame,
// which is the one in force after the frame is applied.
func (f *Frame) SettingValue(id SettingID) (v uint32, ok bool) {
	for i := 0; i < len(f.settings); i += 6 {
		if s := settingAt(f.settings, i); s.ID == id {
			v, ok = s.Val, true
		}
	}
	return v, ok
}

// AppendSettings appends a SETTINGS frame carrying settings, in order.
func AppendSettings(dst []byte, settings ...Setting) []byte {
	dst = AppendFrameHeader(dst, Header{Length: 6 * uint32(len(settings)), Type: FrameSettings})
	for _, s := range settings {
		dst = append(dst, byte(s.ID>>8), byte(s.ID))
		dst = appendBE32(dst, s.Val)
	}
	return dst
}

// AppendSettingsAck appends an empty SETTINGS frame with the ACK flag.
func AppendSettingsAck(dst []byte) []byte {
	return AppendFrameHeader(dst, Header{Type: FrameSettings, Flags: FlagAck})
}
