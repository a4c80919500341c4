package bench

// Frame codec benchmarks: Shockwave's frames package against
// golang.org/x/net/http2's Framer, in the same process. Readers consume a
// fixed, pre-encoded stream of frames that replays forever, so memory never
// depends on b.N. Compare with
//
//	go test -run '^$' -bench 'Read|Write' -benchmem -count 6 . | benchstat -col /impl -

import (
	"io"
	"testing"

	"github.com/shockwave-rpc/shockwave/frames"
	"golang.org/x/net/http2"
)

// replay is an io.Reader that returns the same bytes over and over, without
// allocating. Its contents are whole frames, so each pass ends on a frame
// boundary.
type replay struct {
	b   []byte
	off int
}

func (r *replay) Read(p []byte) (int, error) {
	if r.off == len(r.b) {
		r.off = 0
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

// repeatFrame pre-encodes k copies of one frame.
func repeatFrame(k int, appendOne func([]byte) []byte) []byte {
	var b []byte
	for range k {
		b = appendOne(b)
	}
	return b
}

// headerBlock is a stand-in for an HPACK-encoded gRPC request head; the
// frame codec never looks inside it.
var headerBlock = func() []byte {
	b := make([]byte, 120)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}()

// benchRead runs the same frame stream through both readers. consumeOurs and
// consumeXnet touch the fields a connection would, so neither side is
// credited for work it skips.
func benchRead(b *testing.B, stream []byte, bytesPerFrame int64,
	consumeOurs func(*testing.B, *frames.Frame), consumeXnet func(*testing.B, http2.Frame)) {
	b.Run("impl=shockwave", func(b *testing.B) {
		r := frames.NewReader(&replay{b: stream})
		b.SetBytes(bytesPerFrame)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			f, err := r.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			consumeOurs(b, f)
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		// The Framer at its fastest: frames reused, reading straight from
		// memory, the same frame size limit as ours.
		fr := http2.NewFramer(nil, &replay{b: stream})
		fr.SetReuseFrames()
		fr.SetMaxReadFrameSize(frames.DefaultMaxFrameSize)
		b.SetBytes(bytesPerFrame)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			f, err := fr.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			consumeXnet(b, f)
		}
	})
}

var sink int

func BenchmarkReadData16K(b *testing.B) {
	payload := make([]byte, frames.DefaultMaxFrameSize)
	stream := repeatFrame(64, func(d []byte) []byte { return frames.AppendData(d, 1, false, payload) })
	benchRead(b, stream, frames.DefaultMaxFrameSize,
		func(b *testing.B, f *frames.Frame) { sink += len(f.Data) + int(f.Length) },
		func(b *testing.B, f http2.Frame) {
			df := f.(*http2.DataFrame)
			sink += len(df.Data()) + int(df.Length)
		})
}

func BenchmarkReadHeaders(b *testing.B) {
	stream := repeatFrame(1024, func(d []byte) []byte {
		return frames.AppendHeaders(d, 1, false, headerBlock, frames.DefaultMaxFrameSize)
	})
	benchRead(b, stream, int64(len(headerBlock)),
		func(b *testing.B, f *frames.Frame) { sink += len(f.Data) + int(f.StreamID) },
		func(b *testing.B, f http2.Frame) {
			hf := f.(*http2.HeadersFrame)
			sink += len(hf.HeaderBlockFragment()) + int(hf.StreamID)
		})
}

func BenchmarkReadSettings(b *testing.B) {
	stream := repeatFrame(1024, func(d []byte) []byte {
		return frames.AppendSettings(d,
			frames.Setting{ID: frames.SettingMaxConcurrentStreams, Val: 100},
			frames.Setting{ID: frames.SettingInitialWindowSize, Val: 1 << 20},
			frames.Setting{ID: frames.SettingMaxHeaderListSize, Val: 16 << 10})
	})
	benchRead(b, stream, 18,
		func(b *testing.B, f *frames.Frame) {
			for i := range f.NumSettings() {
				sink += int(f.Setting(i).Val)
			}
		},
		func(b *testing.B, f http2.Frame) {
			sf := f.(*http2.SettingsFrame)
			for i := range sf.NumSettings() {
				sink += int(sf.Setting(i).Val)
			}
		})
}

func BenchmarkReadWindowUpdate(b *testing.B) {
	stream := repeatFrame(1024, func(d []byte) []byte { return frames.AppendWindowUpdate(d, 3, 65535) })
	benchRead(b, stream, 4,
		func(b *testing.B, f *frames.Frame) { sink += int(f.Increment) },
		func(b *testing.B, f http2.Frame) { sink += int(f.(*http2.WindowUpdateFrame).Increment) })
}

func BenchmarkReadPing(b *testing.B) {
	stream := repeatFrame(1024, func(d []byte) []byte { return frames.AppendPing(d, false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}) })
	benchRead(b, stream, 8,
		func(b *testing.B, f *frames.Frame) { sink += int(f.PingData()[7]) },
		func(b *testing.B, f http2.Frame) { sink += int(f.(*http2.PingFrame).Data[7]) })
}

// The write benchmarks write each frame to the same sink: x/net's Framer
// writes every frame with its own Write call, so ours does too, from a
// buffer reused as a connection's would be.
func BenchmarkWriteData(b *testing.B) {
	payload := make([]byte, 1024)
	b.Run("impl=shockwave", func(b *testing.B) {
		buf := make([]byte, 0, 2048)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for range b.N {
			buf = frames.AppendData(buf[:0], 1, false, payload)
			io.Discard.Write(buf)
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		fr := http2.NewFramer(io.Discard, nil)
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for range b.N {
			if err := fr.WriteData(1, false, payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWriteHeaders(b *testing.B) {
	b.Run("impl=shockwave", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		b.SetBytes(int64(len(headerBlock)))
		b.ReportAllocs()
		for range b.N {
			buf = frames.AppendHeaders(buf[:0], 1, false, headerBlock, frames.DefaultMaxFrameSize)
			io.Discard.Write(buf)
		}
	})
	b.Run("impl=xnet", func(b *testing.B) {
		fr := http2.NewFramer(io.Discard, nil)
		b.SetBytes(int64(len(headerBlock)))
		b.ReportAllocs()
		for range b.N {
			err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: headerBlock, EndHeaders: true})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
