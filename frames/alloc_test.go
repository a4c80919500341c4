package frames

import (
	"bytes"
	"testing"
)

// loopReader replays b forever without allocating.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.off == len(l.b) {
		l.off = 0
	}
	n := copy(p, l.b[l.off:])
	l.off += n
	return n, nil
}

// TestReadAllocs proves DESIGN.md's zero-allocation rule for reading: after
// warm-up, reading any frame type, reassembling a header block, and
// reporting a stream error allocate nothing.
func TestReadAllocs(t *testing.T) {
	block := bytes.Repeat([]byte{0x82}, 3000)
	for _, c := range []struct {
		name      string
		in        []byte
		streamErr bool
	}{
		{"DATA", AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize)), false},
		{"DATA padded", AppendDataPadded(nil, 1, false, make([]byte, 100), 10), false},
		{"HEADERS", AppendHeaders(nil, 1, true, block[:200], 0), false},
		{"HEADERS+CONTINUATION", AppendHeaders(nil, 1, true, block, 1000), false},
		{"HEADERS priority padded", AppendHeadersParam(nil, &HeadersParam{StreamID: 1, Block: block[:50], Padded: true, PadLength: 3, HasPriority: true, Priority: PriorityParam{StreamDep: 3}}), false},
		{"PRIORITY", AppendPriority(nil, 1, PriorityParam{StreamDep: 3}), false},
		{"RST_STREAM", AppendRSTStream(nil, 1, ErrCodeCancel), false},
		{"SETTINGS", AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingMaxFrameSize, 1 << 15}), false},
		{"SETTINGS ACK", AppendSettingsAck(nil), false},
		{"PUSH_PROMISE", AppendPushPromise(nil, 1, 2, block[:100], 0), false},
		{"PUSH_PROMISE+CONTINUATION", AppendPushPromise(nil, 1, 2, block, 1000), false},
		{"PING", AppendPing(nil, false, [8]byte{1}), false},
		{"GOAWAY", AppendGoAway(nil, 1, ErrCodeNo, []byte("debug")), false},
		{"WINDOW_UPDATE", AppendWindowUpdate(nil, 1, 100), false},
		{"unknown", rawFrameAppend(nil, 0x42, 0, 1, []byte("x")), false},
		{"stream error", AppendWindowUpdate(nil, 1, 0), true},
		{"mixed", allTypes(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(&loopReader{b: c.in})
			read := func() {
				f, err := r.ReadFrame()
				if (err != nil) != c.streamErr || f == nil {
					t.Fatalf("ReadFrame: %v", err)
				}
			}
			for range 20 {
				read()
			}
			if n := testing.AllocsPerRun(500, read); n != 0 {
				t.Fatalf("%v allocs per ReadFrame, want 0", n)
			}
		})
	}
}

// TestAppendAllocs: encoding into a buffer with room allocates nothing.
func TestAppendAllocs(t *testing.T) {
	dst := make([]byte, 0, 1<<16)
	data := make([]byte, DefaultMaxFrameSize)
	block := make([]byte, 40000)
	hp := &HeadersParam{StreamID: 3, Block: block[:100], Padded: true, PadLength: 8, HasPriority: true, Priority: PriorityParam{StreamDep: 1}}
	for name, fn := range map[string]func(){
		"DATA":          func() { dst = AppendData(dst[:0], 1, true, data) },
		"DATA padded":   func() { dst = AppendDataPadded(dst[:0], 1, true, data[:1000], 255) },
		"HEADERS":       func() { dst = AppendHeaders(dst[:0], 1, false, block[:300], 0) },
		"HEADERS+CONT":  func() { dst = AppendHeaders(dst[:0], 1, false, block, 0) },
		"HEADERS param": func() { dst = AppendHeadersParam(dst[:0], hp) },
		"CONTINUATION":  func() { dst = AppendContinuation(dst[:0], 1, true, block[:100]) },
		"PRIORITY":      func() { dst = AppendPriority(dst[:0], 1, PriorityParam{StreamDep: 3}) },
		"RST_STREAM":    func() { dst = AppendRSTStream(dst[:0], 1, ErrCodeCancel) },
		"SETTINGS": func() {
			dst = AppendSettings(dst[:0], Setting{SettingMaxConcurrentStreams, 100}, Setting{SettingInitialWindowSize, 1 << 20})
		},
		"SETTINGS ACK":        func() { dst = AppendSettingsAck(dst[:0]) },
		"PUSH_PROMISE":        func() { dst = AppendPushPromise(dst[:0], 1, 2, block[:100], 0) },
		"PUSH_PROMISE padded": func() { dst = AppendPushPromisePadded(dst[:0], 1, 2, block[:100], 9, 0) },
		"PING":                func() { dst = AppendPing(dst[:0], true, [8]byte{1, 2}) },
		"GOAWAY":              func() { dst = AppendGoAway(dst[:0], 1, ErrCodeNo, data[:20]) },
		"WINDOW_UPDATE":       func() { dst = AppendWindowUpdate(dst[:0], 0, 1<<20) },
		"frame header":        func() { dst = AppendFrameHeader(dst[:0], Header{Type: 0x42}) },
	} {
		if n := testing.AllocsPerRun(500, fn); n != 0 {
			t.Errorf("%s: %v allocs, want 0", name, n)
		}
	}
}
