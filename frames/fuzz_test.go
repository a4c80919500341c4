package frames

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzReadFrame reads arbitrary input as a frame stream. It checks that
// ReadFrame never panics, that the Reader's memory stays within its limits
// whatever lengths the input claims, that a stream error leaves the Reader
// usable, and that every frame read re-encodes to one that reads back the
// same.
func FuzzReadFrame(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in))
		// Small limits so the fuzzer reaches them.
		r.SetMaxHeaderBlockSize(4096)
		r.SetMaxContinuations(8)
		for range 1000 {
			fr, err := r.ReadFrame()
			if len(r.buf) > max(HeaderLen+int(r.maxFrameSize), BulkReadSize) || cap(r.block) > int(r.maxBlockSize) {
				t.Fatalf("memory over the limits: buffer %d, block %d", len(r.buf), cap(r.block))
			}
			var se *StreamError
			if errors.As(err, &se) {
				if fr == nil || fr.StreamID != se.StreamID || fr.StreamID == 0 {
					t.Fatalf("stream error %v with frame %+v", err, fr)
				}
				continue
			}
			if err != nil {
				var ce *ConnError
				if errors.As(err, &ce) {
					if _, err2 := r.ReadFrame(); err2 != err {
						t.Fatalf("connection error not sticky: %v then %v", err, err2)
					}
				}
				return
			}
			want := ourView(fr)
			enc := reencode(fr)
			r2 := NewReader(bytes.NewReader(enc))
			g, err := r2.ReadFrame()
			if err != nil {
				t.Fatalf("re-encoded %+v as %x: %v", want, enc, err)
			}
			if got := ourView(g); got != want {
				t.Fatalf("re-encoded frame reads back differently:\n got %+v\nwant %+v", got, want)
			}
		}
	})
}

// reencode writes f back with our encoders.
func reencode(f *Frame) []byte {
	switch f.Type {
	case FrameData:
		if f.Flags.Has(FlagPadded) {
			return AppendDataPadded(nil, f.StreamID, f.StreamEnded(), f.Data, f.PadLength)
		}
		return AppendData(nil, f.StreamID, f.StreamEnded(), f.Data)
	case FrameHeaders:
		return AppendHeadersParam(nil, &HeadersParam{StreamID: f.StreamID, EndStream: f.StreamEnded(), Block: f.Data,
			Padded: f.Flags.Has(FlagPadded), PadLength: f.PadLength, HasPriority: f.Flags.Has(FlagPriority), Priority: f.Priority})
	case FramePriority:
		return AppendPriority(nil, f.StreamID, f.Priority)
	case FrameRSTStream:
		return AppendRSTStream(nil, f.StreamID, f.ErrCode)
	case FrameSettings:
		if f.IsAck() {
			return AppendSettingsAck(nil)
		}
		var ss []Setting
		f.ForeachSetting(func(s Setting) error { ss = append(ss, s); return nil })
		return AppendSettings(nil, ss...)
	case FramePushPromise:
		if f.Flags.Has(FlagPadded) {
			return AppendPushPromisePadded(nil, f.StreamID, f.PromiseID, f.Data, f.PadLength, 0)
		}
		return AppendPushPromise(nil, f.StreamID, f.PromiseID, f.Data, 0)
	case FramePing:
		return AppendPing(nil, f.IsAck(), f.PingData())
	case FrameGoAway:
		return AppendGoAway(nil, f.LastStreamID, f.ErrCode, f.Data)
	case FrameWindowUpdate:
		return AppendWindowUpdate(nil, f.StreamID, f.Increment)
	}
	return rawFrameAppend(nil, f.Type, f.Flags, f.StreamID, f.Data)
}

// fuzzSeeds is the encoders' output for every frame type, alone and in
// sequences, plus near-misses of the rules.
func fuzzSeeds() [][]byte {
	block := bytes.Repeat([]byte{0x82, 0x86, 0x84, 0x41, 0x8a}, 40)
	seeds := [][]byte{
		AppendData(nil, 1, true, []byte("hello")),
		AppendDataPadded(nil, 1, false, []byte("hi"), 5),
		AppendHeaders(nil, 1, true, block[:3], 0),
		AppendHeaders(nil, 3, false, block, 64), // HEADERS + CONTINUATION
		AppendHeadersParam(nil, &HeadersParam{StreamID: 5, Block: block, MaxFrameSize: 50, Padded: true, PadLength: 4,
			HasPriority: true, Priority: PriorityParam{StreamDep: 3, Exclusive: true, Weight: 7}}),
		AppendPriority(nil, 3, PriorityParam{StreamDep: 1, Weight: 200}),
		AppendRSTStream(nil, 3, ErrCodeCancel),
		AppendSettings(nil, Setting{SettingEnablePush, 0}, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingMaxFrameSize, 1 << 15}),
		AppendSettingsAck(nil),
		AppendPushPromise(nil, 1, 2, block[:10], 0),
		AppendPushPromisePadded(nil, 1, 4, block, 3, 40),
		AppendPing(nil, true, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}),
		AppendGoAway(nil, 7, ErrCodeEnhanceYourCalm, []byte("calm down")),
		AppendWindowUpdate(nil, 0, 1<<30),
		AppendWindowUpdate(nil, 3, 0),
		AppendContinuation(nil, 1, true, block[:4]),
		rawFrameAppend(nil, 0x42, 0xff, 9, []byte("extension")),
		allTypes(),
		[]byte(ClientPreface),
	}
	return seeds
}
