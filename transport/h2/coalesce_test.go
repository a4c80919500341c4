package h2

import (
	"bytes"
	"testing"

	"github.com/shockwave-rpc/shockwave/frames"
)

// appendDataLocked packs the writes of one stream into the DATA frame that
// ends the write buffer, up to the frame size limit, and starts a new frame
// for another stream, after any other frame, once the limit would be
// passed, and after the writer took the buffer.
func TestAppendDataCoalesces(t *testing.T) {
	c := &conn{tailEnd: -1}
	msg := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	c.appendDataLocked(1, msg('a', 100), 250)
	c.appendDataLocked(1, msg('b', 100), 250) // joins: 200
	c.appendDataLocked(1, msg('c', 100), 250) // 300 > 250: new frame
	c.appendDataLocked(3, msg('d', 10), 250)  // another stream
	c.appendDataLocked(1, msg('e', 10), 250)  // not the last frame: new
	c.wbuf = frames.AppendPing(c.wbuf, false, [8]byte{})
	c.appendDataLocked(1, msg('f', 10), 250) // after a PING: new
	c.appendDataLocked(1, msg('g', 10), 250) // joins
	first := len(c.wbuf)
	c.tailEnd = -1                           // what writeLoop does when it takes wbuf
	c.appendDataLocked(1, msg('h', 10), 250) // new, even at the same stream
	want := []struct {
		id   uint32
		data string
	}{
		{1, string(msg('a', 100)) + string(msg('b', 100))},
		{1, string(msg('c', 100))},
		{3, string(msg('d', 10))},
		{1, string(msg('e', 10))},
		{0, ""}, // the PING
		{1, string(msg('f', 10)) + string(msg('g', 10))},
		{1, string(msg('h', 10))},
	}
	if first >= len(c.wbuf) {
		t.Fatal("nothing appended after the reset")
	}
	r := frames.NewReader(bytes.NewReader(c.wbuf))
	for i, w := range want {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if w.id == 0 {
			if f.Type != frames.FramePing {
				t.Fatalf("frame %d: %v, want PING", i, f.Type)
			}
			continue
		}
		if f.Type != frames.FrameData || f.StreamID != w.id || string(f.Data) != w.data || f.StreamEnded() {
			t.Fatalf("frame %d: %v stream %d, %d bytes (end %v); want DATA stream %d, %d bytes", i, f.Type, f.StreamID, len(f.Data), f.StreamEnded(), w.id, len(w.data))
		}
	}
	if f, err := r.ReadFrame(); err == nil {
		t.Fatalf("extra frame %v", f.Type)
	}
}
