package h2_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// fuzzHandler reads the request, answers a little body and trailers, and
// resets the stream when asked: enough to drive every path of a stream.
func fuzzHandler(st transport.ServerStream) {
	if string(st.Request().Path()) == "/reset" {
		st.Reset(transport.Cancel)
		return
	}
	buf := make([]byte, 512)
	for {
		if _, err := st.Read(buf); err != nil {
			break
		}
	}
	st.Response().Header.AddString("content-type", "text/plain")
	st.Write([]byte("ok"))
	var tr transport.Header
	tr.AddString("x-done", "1")
	st.Finish(&tr)
}

// fuzzSeeds are valid frame sequences, as the encoders write them, for the
// fuzzers to mutate. The server seeds follow the client preface and
// SETTINGS; the client seeds follow the server's SETTINGS.
func fuzzSeeds(server bool) [][]byte {
	enc := hpack.NewEncoder(4096)
	block := func(fields ...string) []byte {
		var b []byte
		for i := 0; i < len(fields); i += 2 {
			b = enc.AppendField(b, hpack.Field{Name: []byte(fields[i]), Value: []byte(fields[i+1])})
		}
		return b
	}
	ack := frames.AppendSettingsAck(nil)
	var seeds [][]byte
	add := func(b []byte) { seeds = append(seeds, append(append([]byte(nil), ack...), b...)) }
	if server {
		var b []byte
		b = frames.AppendHeaders(b, 1, true, block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/"), 0)
		add(b)

		b = frames.AppendHeaders(nil, 1, false, block(":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/echo", "content-type", "application/grpc", "te", "trailers"), 0)
		b = frames.AppendData(b, 1, false, []byte("hello"))
		b = frames.AppendDataPadded(b, 1, false, []byte("world"), 3)
		b = frames.AppendHeaders(b, 1, true, block("grpc-status", "0"), 0)
		add(b)

		b = frames.AppendHeaders(nil, 3, false, block(":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/x", "content-length", "4"), 0)
		b = frames.AppendRSTStream(b, 3, frames.ErrCodeCancel)
		b = frames.AppendHeaders(b, 5, true, block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/reset"), 0)
		b = frames.AppendWindowUpdate(b, 5, 100)
		add(b)

		b = frames.AppendSettings(nil,
			frames.Setting{ID: frames.SettingInitialWindowSize, Val: 10},
			frames.Setting{ID: frames.SettingMaxFrameSize, Val: 1 << 20},
			frames.Setting{ID: frames.SettingHeaderTableSize, Val: 0})
		b = frames.AppendPing(b, false, [8]byte{1, 2, 3})
		b = frames.AppendPing(b, true, [8]byte{4})
		b = frames.AppendWindowUpdate(b, 0, 1<<20)
		b = frames.AppendPriority(b, 7, frames.PriorityParam{StreamDep: 1, Weight: 9})
		b = frames.AppendHeaders(b, 7, true, block(":method", "GET", ":scheme", "https", ":authority", "b", ":path", "/big"), 0)
		b = frames.AppendWindowUpdate(b, 7, 5)
		b = frames.AppendGoAway(b, 0, frames.ErrCodeNo, []byte("bye"))
		add(b)

		blk := block(":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/c", "x-long", "0123456789")
		b = frames.AppendFrameHeader(nil, frames.Header{Length: 10, Type: frames.FrameHeaders, StreamID: 9})
		b = append(b, blk[:10]...)
		b = frames.AppendContinuation(b, 9, true, blk[10:])
		b = frames.AppendData(b, 9, true, nil)
		add(b)
	} else {
		b := frames.AppendHeaders(nil, 1, false, block(":status", "200", "content-type", "application/grpc"), 0)
		b = frames.AppendData(b, 1, false, []byte("hello"))
		b = frames.AppendHeaders(b, 1, true, block("grpc-status", "0"), 0)
		add(b)

		b = frames.AppendHeaders(nil, 1, false, block(":status", "103", "link", "</a>"), 0)
		b = frames.AppendHeaders(b, 1, false, block(":status", "200", "content-length", "2"), 0)
		b = frames.AppendData(b, 1, true, []byte("ok"))
		b = frames.AppendRSTStream(b, 1, frames.ErrCodeNo)
		add(b)

		b = frames.AppendRSTStream(nil, 1, frames.ErrCodeRefusedStream)
		b = frames.AppendSettings(b, frames.Setting{ID: frames.SettingMaxConcurrentStreams, Val: 1},
			frames.Setting{ID: frames.SettingInitialWindowSize, Val: 1})
		b = frames.AppendPing(b, false, [8]byte{9})
		b = frames.AppendWindowUpdate(b, 0, 1000)
		b = frames.AppendWindowUpdate(b, 3, 1000)
		b = frames.AppendHeaders(b, 3, true, block(":status", "204"), 0)
		b = frames.AppendGoAway(b, 3, frames.ErrCodeNo, nil)
		add(b)
	}
	return seeds
}

// watchdog panics with every goroutine's stack if a fuzz input runs past
// d of real time: a deadlock on a mutex is not one that synctest reports.
// The stacks also go to a file in the temporary directory, as the fuzzing
// coordinator drops what its workers print.
func watchdog(d time.Duration) func() bool {
	t := time.AfterFunc(d, func() {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		os.WriteFile(filepath.Join(os.TempDir(), "h2-fuzz-hang-"+strconv.Itoa(os.Getpid())+".txt"), buf, 0o644)
		os.Stderr.Write(buf)
		panic("fuzz input still running after " + d.String())
	})
	return t.Stop
}

// FuzzServerConn feeds a server connection the client preface and SETTINGS
// followed by arbitrary bytes. Whatever they are, the server must not
// panic, must finish with the input (closing on its own or once the client
// closes), and must leave no goroutine behind: synctest.Test fails if any
// goroutine of the bubble outlives it, and reports a bubble whose
// goroutines all block as a deadlock.
func FuzzServerConn(f *testing.F) {
	for _, s := range fuzzSeeds(true) {
		f.Add(s)
	}
	preface := append([]byte(frames.ClientPreface), frames.AppendSettings(nil)...)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(30 * time.Second)()
		synctest.Test(t, func(t *testing.T) {
			srv := h2.NewServer(transport.HandlerFunc(fuzzHandler),
				h2.WithMaxConcurrentStreams(4), h2.WithMaxControlFrames(50),
				h2.WithResetLimit(20, time.Second), h2.WithMaxContinuations(8),
				h2.WithPingPolicy(time.Minute, false), h2.WithKeepAlive(time.Minute, time.Second),
				h2.WithMaxConnectionAge(time.Hour, time.Second))
			cc, sc := net.Pipe()
			done := make(chan struct{})
			go func() { srv.ServeConn(sc); close(done) }()
			drained := make(chan struct{})
			go func() { io.Copy(io.Discard, cc); close(drained) }()
			if _, err := cc.Write(preface); err == nil {
				cc.Write(data)
			}
			// Let the server and its handlers do all they can with the
			// input, then hang up.
			synctest.Wait()
			cc.Close()
			<-done
			<-drained
			srv.Close()
		})
	})
}

// FuzzClientConn feeds a client connection, with two requests in flight,
// the server's SETTINGS followed by arbitrary bytes; the same properties
// hold.
func FuzzClientConn(f *testing.F) {
	for _, s := range fuzzSeeds(false) {
		f.Add(s)
	}
	settings := frames.AppendSettings(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(30 * time.Second)()
		synctest.Test(t, func(t *testing.T) {
			cn, sn := net.Pipe()
			c, _ := h2.NewClientConn(cn, h2.WithKeepAlive(time.Minute, time.Second))
			drained := make(chan struct{})
			go func() {
				fr := frames.NewReader(sn)
				if fr.ReadClientPreface() == nil {
					io.Copy(io.Discard, sn)
				}
				close(drained)
			}()
			var callers []chan struct{}
			for _, path := range []string{"/a", "/b"} {
				done := make(chan struct{})
				callers = append(callers, done)
				go func() {
					defer close(done)
					fuzzCall(c, path)
				}()
			}
			synctest.Wait()
			if _, err := sn.Write(settings); err == nil {
				sn.Write(data)
			}
			synctest.Wait()
			sn.Close()
			for _, done := range callers {
				<-done
			}
			c.Close()
			<-drained
		})
	})
}

// fuzzCall makes a request with a body and reads whatever comes back.
func fuzzCall(c *h2.ClientConn, path string) {
	cs, err := c.NewStream(context.Background())
	if err != nil {
		return
	}
	defer cs.Close()
	setPOST(cs.Request(), path)
	if _, err := cs.Write([]byte("request")); err != nil {
		return
	}
	cs.CloseSend(nil)
	if _, err := cs.Response(); err != nil {
		return
	}
	io.Copy(io.Discard, cs)
	cs.Trailers().Len()
}
