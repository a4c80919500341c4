package frames_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/shockwave-rpc/shockwave/frames"
)

// A connection appends the frames of many streams into one buffer and
// writes it with one call; the peer's Reader hands them back one by one.
func Example() {
	var wbuf []byte
	wbuf = frames.AppendSettings(wbuf, frames.Setting{ID: frames.SettingMaxConcurrentStreams, Val: 100})
	wbuf = frames.AppendHeaders(wbuf, 1, false, []byte{0x82, 0x86, 0x84}, frames.DefaultMaxFrameSize)
	wbuf = frames.AppendData(wbuf, 1, true, []byte("hello"))
	wbuf = frames.AppendWindowUpdate(wbuf, 0, 1<<20)

	r := frames.NewReader(bytes.NewReader(wbuf))
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch f.Type {
		case frames.FrameSettings:
			f.ForeachSetting(func(s frames.Setting) error {
				fmt.Println("SETTINGS", s.ID, s.Val)
				return nil
			})
		case frames.FrameHeaders:
			fmt.Printf("HEADERS stream=%d block=%x\n", f.StreamID, f.Data)
		case frames.FrameData:
			fmt.Printf("DATA stream=%d %q end_stream=%v\n", f.StreamID, f.Data, f.StreamEnded())
		case frames.FrameWindowUpdate:
			fmt.Printf("WINDOW_UPDATE stream=%d +%d\n", f.StreamID, f.Increment)
		}
	}
	// Output:
	// SETTINGS MAX_CONCURRENT_STREAMS 100
	// HEADERS stream=1 block=828684
	// DATA stream=1 "hello" end_stream=true
	// WINDOW_UPDATE stream=0 +1048576
}

// A stream error asks for RST_STREAM and leaves the Reader usable; a
// connection error asks for GOAWAY and ends reading.
func ExampleReader_ReadFrame_errors() {
	var in []byte
	in = frames.AppendWindowUpdate(in, 3, 0) // increment 0 on a stream
	in = frames.AppendPing(in, false, [8]byte{})
	in = frames.AppendWindowUpdate(in, 0, 0) // increment 0 on the connection

	r := frames.NewReader(bytes.NewReader(in))
	var out []byte
	for {
		f, err := r.ReadFrame()
		var se *frames.StreamError
		var ce *frames.ConnError
		switch {
		case errors.As(err, &se):
			out = frames.AppendRSTStream(out, se.StreamID, se.Code)
			fmt.Println("RST_STREAM", se.StreamID, se.Code)
		case errors.As(err, &ce):
			out = frames.AppendGoAway(out, 0, ce.Code, nil)
			fmt.Println("GOAWAY", ce.Code)
			return
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Println("read", f.Type)
		}
	}
	// Output:
	// RST_STREAM 3 PROTOCOL_ERROR
	// read PING
	// GOAWAY PROTOCOL_ERROR
}
