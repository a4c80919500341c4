package frames

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// allTypes returns one valid frame of every type, with a header block split
// across CONTINUATION frames and an unknown type among them.
func allTypes() []byte {
	var b []byte
	b = AppendSettings(b, Setting{SettingInitialWindowSize, 1 << 20}, Setting{SettingMaxFrameSize, 1 << 15})
	b = AppendSettingsAck(b)
	b = AppendHeaders(b, 1, false, bytes.Repeat([]byte{0x82}, 50), 20)
	b = AppendData(b, 1, false, []byte("data"))
	b = AppendDataPadded(b, 1, true, []byte("padded"), 10)
	b = AppendPriority(b, 3, PriorityParam{StreamDep: 1, Weight: 3})
	b = AppendRSTStream(b, 3, ErrCodeCancel)
	b = AppendPushPromise(b, 1, 2, []byte{0x82, 0x84}, 0)
	b = AppendPing(b, false, [8]byte{9, 8, 7})
	b = AppendGoAway(b, 1, ErrCodeNo, []byte("bye"))
	b = AppendWindowUpdate(b, 0, 1000)
	b = rawFrameAppend(b, 0x42, 0xff, 5, []byte("ext"))
	return b
}

func rawFrameAppend(dst []byte, t Type, flags Flags, streamID uint32, payload []byte) []byte {
	dst = AppendFrameHeader(dst, Header{Length: uint32(len(payload)), Type: t, Flags: flags, StreamID: streamID})
	return append(dst, payload...)
}

var allTypesWant = []Type{FrameSettings, FrameSettings, FrameHeaders, FrameData, FrameData, FramePriority,
	FrameRSTStream, FramePushPromise, FramePing, FrameGoAway, FrameWindowUpdate, 0x42}

func readTypes(t *testing.T, src io.Reader) []Type {
	t.Helper()
	r := NewReader(src)
	var got []Type
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, f.Type)
	}
}

func TestReaderSequence(t *testing.T) {
	b := allTypes()
	for name, src := range map[string]io.Reader{
		"whole":    bytes.NewReader(b),
		"one byte": iotest.OneByteReader(bytes.NewReader(b)),
		"half":     iotest.HalfReader(bytes.NewReader(b)),
		"data+err": iotest.DataErrReader(bytes.NewReader(b)),
	} {
		t.Run(name, func(t *testing.T) {
			if got := readTypes(t, src); !typesEqual(got, allTypesWant) {
				t.Fatalf("got %v, want %v", got, allTypesWant)
			}
		})
	}
}

func typesEqual(a, b []Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Buffered counts what one read brought in beyond the frames returned so
// far: the connection's reader uses it to tell whether its next ReadFrame
// will read from the socket.
func TestReaderBuffered(t *testing.T) {
	var b []byte
	b = AppendData(b, 1, false, []byte("hello"))
	b = AppendPing(b, false, [8]byte{1})
	r := NewReader(bytes.NewReader(b))
	if n := r.Buffered(); n != 0 {
		t.Fatalf("Buffered before any read: %d", n)
	}
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if n, want := r.Buffered(), HeaderLen+8; n != want {
		t.Fatalf("Buffered after the DATA frame: %d, want %d (the PING)", n, want)
	}
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if n := r.Buffered(); n != 0 {
		t.Fatalf("Buffered after both frames: %d", n)
	}
}

// Unknown frame types are returned untouched, for the connection to discard
// (RFC 9113 §4.1, §5.5), whatever their stream and flags.
func TestReaderUnknownType(t *testing.T) {
	f := mustRead(t, rawFrame(0xfa, 0xff, 0, 1, 2, 3))
	if f.Type != 0xfa || f.Flags != 0xff || !bytes.Equal(f.Data, []byte{1, 2, 3}) {
		t.Fatalf("got %+v", f)
	}
}

func TestReaderEOF(t *testing.T) {
	b := AppendPing(nil, false, [8]byte{})
	for n := 1; n < len(b); n++ {
		if _, err := readOne(t, b[:n]); err != io.ErrUnexpectedEOF {
			t.Fatalf("%d of %d octets: got %v, want io.ErrUnexpectedEOF", n, len(b), err)
		}
	}
	if _, err := readOne(t, nil); err != io.EOF {
		t.Fatalf("empty: got %v, want io.EOF", err)
	}
}

func TestReaderFrameSize(t *testing.T) {
	ok := AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize))
	if f := mustRead(t, ok); len(f.Data) != DefaultMaxFrameSize {
		t.Fatal("max-size frame")
	}
	big := AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize+1))
	_, err := readOne(t, big)
	wantConnErr(t, err, ErrCodeFrameSize)
	// Rejected from the header alone: nothing of the payload is read.
	r := NewReader(bytes.NewReader(big[:HeaderLen]))
	_, err = r.ReadFrame()
	wantConnErr(t, err, ErrCodeFrameSize)

	r = NewReader(bytes.NewReader(append(big, ok...)))
	r.SetMaxReadFrameSize(1 << 20)
	for i := 0; i < 2; i++ {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.buf) != HeaderLen+1<<20 {
		t.Fatalf("buffer %d, want max frame size + header", len(r.buf))
	}
	// Clamped to the legal range.
	r.SetMaxReadFrameSize(1)
	if r.maxFrameSize != DefaultMaxFrameSize {
		t.Fatal("not clamped up")
	}
	r.SetMaxReadFrameSize(1 << 30)
	if r.maxFrameSize != MaxFrameSizeLimit {
		t.Fatal("not clamped down")
	}
}

// An error of the underlying reader mid-frame, such as a deadline, loses
// nothing: the next ReadFrame resumes, even inside a header block.
func TestReaderResume(t *testing.T) {
	b := allTypes()
	src := &stutterReader{b: b, every: 5}
	r := NewReader(src)
	var got []Type
	timeouts := 0
	for {
		f, err := r.ReadFrame()
		if err == errStutter {
			timeouts++
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Type)
	}
	if !typesEqual(got, allTypesWant) || timeouts == 0 {
		t.Fatalf("got %v after %d timeouts", got, timeouts)
	}
}

var errStutter = errors.New("timeout")

// stutterReader returns a few octets at a time and an error every few reads.
type stutterReader struct {
	b     []byte
	n     int
	every int
}

func (s *stutterReader) Read(p []byte) (int, error) {
	s.n++
	if s.n%s.every == 0 {
		return 0, errStutter
	}
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 7)], s.b)
	s.b = s.b[n:]
	return n, nil
}

func TestReaderNoProgress(t *testing.T) {
	if _, err := NewReader(zeroReader{}).ReadFrame(); err != io.ErrNoProgress {
		t.Fatalf("got %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderReset(t *testing.T) {
	r := NewReader(bytes.NewReader(rawFrame(FrameContinuation, 0, 1)))
	if _, err := r.ReadFrame(); err == nil {
		t.Fatal("want an error")
	}
	r.Reset(bytes.NewReader(allTypes()))
	n := 0
	for {
		_, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(allTypesWant) {
		t.Fatalf("read %d frames", n)
	}
}

// The Frame is reused: fields of an earlier frame never leak into a later
// one of another type.
func TestReaderFrameReuse(t *testing.T) {
	var b []byte
	b = AppendGoAway(b, 9, ErrCodeCancel, []byte("debug"))
	b = AppendWindowUpdate(b, 1, 5)
	r := NewReader(bytes.NewReader(b))
	f1, _ := r.ReadFrame()
	f2, err := r.ReadFrame()
	if err != nil || f1 != f2 {
		t.Fatal("frame not reused")
	}
	if f2.LastStreamID != 0 || f2.ErrCode != 0 || f2.Data != nil || f2.Increment != 5 {
		t.Fatalf("stale fields: %+v", f2)
	}
}

// In race builds (the test suite's), a view kept past the next ReadFrame is
// overwritten, so misuse shows up at once.
func TestReadFramePoisonsExpiredViews(t *testing.T) {
	if !poisonViews {
		t.Skip("view poisoning is on only in -race builds")
	}
	var b []byte
	b = AppendData(b, 1, false, []byte("first payload"))
	b = AppendData(b, 1, true, []byte("second"))
	r := NewReader(bytes.NewReader(b))
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	kept := f.Data
	if string(kept) != "first payload" {
		t.Fatalf("first Data = %q", kept)
	}
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if string(kept) == "first payload" {
		t.Fatal("expired view still reads the old payload")
	}
	for _, c := range kept {
		if c != 0xA5 {
			t.Fatalf("expired view not poisoned: %q", kept)
		}
	}
}

// A peer that keeps the socket full (reads fill all the space given) gets
// the bulk read buffer, once; one whose frames arrive a few at a time keeps
// the small buffer. Either way every frame comes out intact.
func TestReaderBulkGrowth(t *testing.T) {
	var stream []byte
	for i := 0; i < 200; i++ {
		stream = AppendData(stream, 1, false, bytes.Repeat([]byte{byte(i)}, 1000))
	}
	read := func(t *testing.T, src io.Reader) *Reader {
		t.Helper()
		r := NewReader(src)
		for i := 0; i < 200; i++ {
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if len(f.Data) != 1000 || f.Data[0] != byte(i) || f.Data[999] != byte(i) {
				t.Fatalf("frame %d: %d bytes starting %d", i, len(f.Data), f.Data[0])
			}
		}
		if _, err := r.ReadFrame(); err != io.EOF {
			t.Fatalf("after the last frame: %v, want EOF", err)
		}
		return r
	}
	t.Run("bulk", func(t *testing.T) {
		if r := read(t, bytes.NewReader(stream)); len(r.buf) != BulkReadSize {
			t.Fatalf("read buffer %d, want %d", len(r.buf), BulkReadSize)
		}
	})
	t.Run("bulk, then quiet", func(t *testing.T) {
		// 200 frames read in bulk, then 40 one frame a read: the buffer
		// grows, then goes back to the small size.
		var trickle []byte
		for i := 0; i < 40; i++ {
			trickle = AppendData(trickle, 1, false, bytes.Repeat([]byte{byte(i)}, 1000))
		}
		r := NewReader(io.MultiReader(bytes.NewReader(stream), &chunkReader{b: trickle, n: 1009}))
		grew := false
		for i := 0; i < 240; i++ {
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if want := byte(i % 200); i >= 200 {
				want = byte(i - 200)
				if len(f.Data) != 1000 || f.Data[0] != want {
					t.Fatalf("frame %d: %d bytes starting %d", i, len(f.Data), f.Data[0])
				}
			} else if len(f.Data) != 1000 || f.Data[0] != want {
				t.Fatalf("frame %d: %d bytes starting %d", i, len(f.Data), f.Data[0])
			}
			grew = grew || len(r.buf) == BulkReadSize
		}
		if !grew {
			t.Fatal("never grew to the bulk size")
		}
		if len(r.buf) != HeaderLen+DefaultMaxFrameSize {
			t.Fatalf("read buffer %d after 40 small reads, want %d", len(r.buf), HeaderLen+DefaultMaxFrameSize)
		}
	})
	t.Run("trickle", func(t *testing.T) {
		// Reads of at most three frames never fill the 16 KiB buffer.
		if r := read(t, &chunkReader{b: stream, n: 3 * 1009}); len(r.buf) != HeaderLen+DefaultMaxFrameSize {
			t.Fatalf("read buffer %d, want %d", len(r.buf), HeaderLen+DefaultMaxFrameSize)
		}
	})
}

// chunkReader returns at most n bytes a read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}
