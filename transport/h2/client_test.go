package h2_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// pipeServer is a scripted server for a ClientConn under test.
type pipeServer struct {
	*pipePeer
	t  *testing.T
	c  *h2.ClientConn
	sn net.Conn
}

// newPipeServer starts a ClientConn with opts over a pipe, sends it
// settings and waits until it has acknowledged them.
func newPipeServer(t *testing.T, settings []frames.Setting, opts ...h2.Option) *pipeServer {
	cn, sn := net.Pipe()
	s := &pipeServer{pipePeer: newPipePeer(sn, true), t: t, sn: sn}
	s.c, _ = h2.NewClientConn(cn, opts...)
	s.write(frames.AppendSettings(nil, settings...))
	for f := range s.frames {
		if f.Type == frames.FrameSettings && f.Flags.Has(frames.FlagAck) {
			return s
		}
	}
	t.Fatal("no SETTINGS ACK")
	return nil
}

// close closes both ends and waits for the peer's reader.
func (s *pipeServer) close() {
	s.c.Close()
	s.sn.Close()
	for range s.frames {
	}
}

// respond sends a response head (and body, if any) on stream id.
func (s *pipeServer) respond(id uint32, status string, body string) {
	blk := s.enc.AppendField(nil, hpack.Field{Name: []byte(":status"), Value: []byte(status)})
	b := frames.AppendHeaders(nil, id, body == "", blk, 0)
	if body != "" {
		b = frames.AppendData(b, id, true, []byte(body))
	}
	s.write(b)
}

// open starts a GET on c and sends its head (and END_STREAM).
func openGET(t *testing.T, c *h2.ClientConn, ctx context.Context) (transport.ClientStream, error) {
	cs, err := c.NewStream(ctx)
	if err != nil {
		return nil, err
	}
	r := cs.Request()
	r.SetMethodString("GET")
	r.SetSchemeString("http")
	r.SetAuthorityString("a")
	r.SetPathString("/")
	if err := cs.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	return cs, nil
}

// openPOST opens a stream with a POST head for path, its body left to the
// caller: openGET's twin for requests with a body.
func openPOST(t *testing.T, c *h2.ClientConn, ctx context.Context, path string) transport.ClientStream {
	t.Helper()
	cs, err := c.NewStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	setPOST(cs.Request(), path)
	return cs
}

// setPOST fills a request head for a POST to path.
func setPOST(r *transport.Request, path string) {
	r.SetMethodString("POST")
	r.SetSchemeString("http")
	r.SetAuthorityString("a")
	r.SetPathString(path)
}

// readAll reads a stream's response to its end.
func readAll(t *testing.T, cs transport.ClientStream) (int, string, error) {
	t.Helper()
	resp, err := cs.Response()
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(cs)
	return resp.Status, string(b), err
}

// WithFailFast: with the server's MAX_CONCURRENT_STREAMS reached, NewStream
// fails at once with an unprocessed REFUSED_STREAM, and succeeds again as
// soon as a stream ends.
func TestClientFailFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, []frames.Setting{{ID: frames.SettingMaxConcurrentStreams, Val: 1}}, h2.WithFailFast(true))
		a, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = s.c.NewStream(context.Background())
		var se *transport.StreamError
		if !errors.As(err, &se) || se.Code != transport.RefusedStream || !transport.IsUnprocessed(err) {
			t.Fatalf("NewStream over the limit: %v, want unprocessed REFUSED_STREAM", err)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("NewStream waited %v", d)
		}
		s.next(frames.FrameHeaders)
		s.respond(1, "200", "one")
		if st, body, err := readAll(t, a); err != nil || st != 200 || body != "one" {
			t.Fatalf("first stream: %d %q %v", st, body, err)
		}
		a.Close()
		b, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatalf("NewStream with a free slot: %v", err)
		}
		b.Close()
		s.close()
	})
}

// By default NewStream waits for a slot: until a stream ends, or until its
// context does.
func TestClientQueuesForStreamSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, []frames.Setting{{ID: frames.SettingMaxConcurrentStreams, Val: 1}})
		a, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s.next(frames.FrameHeaders)

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		if _, err := s.c.NewStream(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("NewStream with an ending context: %v", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Fatalf("NewStream gave up after %v, want 5s", d)
		}

		got := make(chan transport.ClientStream, 1)
		go func() {
			cs, err := openGET(t, s.c, context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- cs
		}()
		synctest.Wait()
		select {
		case <-got:
			t.Fatal("NewStream did not wait for a slot")
		default:
		}
		s.respond(1, "204", "")
		b := <-got
		if f, ok := s.next(frames.FrameHeaders); !ok || f.StreamID != 3 {
			t.Fatalf("queued stream went out as %+v", f)
		}
		if st, _, err := readAll(t, a); err != nil || st != 204 {
			t.Fatalf("first stream: %d %v", st, err)
		}
		a.Close()
		b.Close()
		s.close()
	})
}

// How the client takes responses that RFC 9113 §8.1 and §8.1.1 make
// valid or malformed, as h2spec (which tests servers) does not check: each
// case answers a GET with frames and says whether the response must read
// through, or fail with the client resetting the stream PROTOCOL_ERROR.
func TestClientResponseRules(t *testing.T) {
	type blk = []string
	for _, tc := range []struct {
		name   string
		method string
		frames func(s *pipeServer, b []byte, id uint32) []byte
		status int
		body   string
		ok     bool
	}{
		{name: "interim 100 and 103 then final", ok: true, status: 200, body: "hi",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "100"})
				b = s.headers(b, id, false, blk{":status", "103", "link", "</s>"})
				b = s.headers(b, id, false, blk{":status", "200"})
				return frames.AppendData(b, id, true, []byte("hi"))
			}},
		{name: "interim with END_STREAM",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				return s.headers(b, id, true, blk{":status", "103"})
			}},
		{name: "101 is not HTTP/2 (§8.6)",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "101"})
				return s.headers(b, id, true, blk{":status", "200"})
			}},
		{name: "DATA after an interim head",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "100"})
				return frames.AppendData(b, id, true, []byte("x"))
			}},
		{name: "trailers without END_STREAM",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "200"})
				b = s.headers(b, id, false, blk{"grpc-status", "0"})
				return frames.AppendData(b, id, true, nil)
			}},
		{name: "content-length above the DATA",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "200", "content-length", "5"})
				return frames.AppendData(b, id, true, []byte("ok"))
			}},
		{name: "content-length below the DATA",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "200", "content-length", "1"})
				return frames.AppendData(b, id, true, []byte("ok"))
			}},
		{name: "content-length on a head that ends the stream",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				return s.headers(b, id, true, blk{":status", "200", "content-length", "3"})
			}},
		{name: "content-length short before trailers",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "200", "content-length", "3"})
				b = frames.AppendData(b, id, false, []byte("ok"))
				return s.headers(b, id, true, blk{"x-t", "1"})
			}},
		{name: "content-length matches", ok: true, status: 200, body: "ok",
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "200", "content-length", "2"})
				b = frames.AppendData(b, id, false, []byte("o"))
				return frames.AppendData(b, id, true, []byte("k"))
			}},
		{name: "304 with the content-length of the resource", ok: true, status: 304,
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				b = s.headers(b, id, false, blk{":status", "304", "content-length", "100"})
				return frames.AppendData(b, id, true, nil)
			}},
		{name: "HEAD response with content-length", method: "HEAD", ok: true, status: 200,
			frames: func(s *pipeServer, b []byte, id uint32) []byte {
				return s.headers(b, id, true, blk{":status", "200", "content-length", "100"})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newPipeServer(t, nil)
				defer s.close()
				cs, err := s.c.NewStream(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				defer cs.Close()
				r := cs.Request()
				r.SetMethodString(cmp.Or(tc.method, "GET"))
				r.SetSchemeString("http")
				r.SetAuthorityString("a")
				r.SetPathString("/")
				cs.CloseSend(nil)
				h, _ := s.next(frames.FrameHeaders)
				s.write(tc.frames(s, nil, h.StreamID))
				st, body, err := readAll(t, cs)
				if !tc.ok {
					var se *transport.StreamError
					if !errors.As(err, &se) || se.Code != transport.ProtocolError {
						t.Fatalf("got %d %q %v, want a PROTOCOL_ERROR reset", st, body, err)
					}
					if f, ok := s.next(frames.FrameRSTStream); !ok || f.ErrCode != frames.ErrCodeProtocol {
						t.Fatalf("client sent %+v, want RST_STREAM PROTOCOL_ERROR", f)
					}
					return
				}
				if err != nil || st != tc.status || body != tc.body {
					t.Fatalf("got %d %q %v, want %d %q", st, body, err, tc.status, tc.body)
				}
			})
		})
	}
}

// headers appends a HEADERS frame of the given fields.
func (s *pipeServer) headers(b []byte, id uint32, end bool, fields []string) []byte {
	var blk []byte
	for i := 0; i < len(fields); i += 2 {
		blk = s.enc.AppendField(blk, hpack.Field{Name: []byte(fields[i]), Value: []byte(fields[i+1])})
	}
	return frames.AppendHeaders(b, id, end, blk, 0)
}

// RFC 9113 §8.1: a server that has sent a complete response may reset the
// stream with NO_ERROR to stop the request body; the client must not
// discard the response. Here the RST_STREAM arrives before the client
// reads anything.
func TestClientKeepsResponseAfterResetNoError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, nil)
		defer s.close()
		cs := openPOST(t, s.c, context.Background(), "/upload")
		defer cs.Close()
		if _, err := cs.Write([]byte("part of the body")); err != nil {
			t.Fatal(err)
		}
		cs.Flush()
		h, _ := s.next(frames.FrameHeaders)
		b := s.headers(nil, h.StreamID, false, []string{":status", "413"})
		b = frames.AppendData(b, h.StreamID, false, []byte("too "))
		b = frames.AppendData(b, h.StreamID, false, []byte("large"))
		b = s.headers(b, h.StreamID, true, []string{"x-why", "size"})
		b = frames.AppendRSTStream(b, h.StreamID, frames.ErrCodeNo)
		s.write(b)
		synctest.Wait()
		if st, body, err := readAll(t, cs); err != nil || st != 413 || body != "too large" {
			t.Fatalf("response after RST_STREAM NO_ERROR: %d %q %v", st, body, err)
		}
		if v, _ := cs.Trailers().Get("x-why"); string(v) != "size" {
			t.Fatalf("trailers lost: %v", cs.Trailers())
		}
		// The request body is no longer wanted: writing fails, with the
		// stream's NO_ERROR.
		var se *transport.StreamError
		if _, err := cs.Write([]byte("more")); !errors.As(err, &se) || se.Code != transport.NoError {
			t.Fatalf("Write after the reset: %v", err)
		}
	})
}

// A server that closes the connection in the middle of a response has not
// ended the stream: the body's Read fails with ErrConnClosed rather than
// returning io.EOF, which would pass for END_STREAM and make a truncated
// response look complete.
func TestClientConnClosedMidResponse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, nil)
		defer s.close()
		cs, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		h, _ := s.next(frames.FrameHeaders)
		b := s.headers(nil, h.StreamID, false, []string{":status", "200"})
		b = frames.AppendData(b, h.StreamID, false, []byte("partial"))
		s.write(b)
		synctest.Wait()
		s.sn.Close()
		st, body, err := readAll(t, cs)
		if st != 200 || body != "partial" {
			t.Fatalf("response before the close: %d %q", st, body)
		}
		if err == nil || errors.Is(err, io.EOF) || !errors.Is(err, transport.ErrConnClosed) {
			t.Fatalf("Read after the server closed the connection: %v, want ErrConnClosed and not io.EOF", err)
		}
	})
}

// slowReaderConn fails writes once failWrites is set, and holds back the
// error of a failed read until release is closed: a reader that is slow
// to notice the connection closing.
type slowReaderConn struct {
	net.Conn
	failWrites atomic.Bool
	release    chan struct{}
}

func (c *slowReaderConn) Write(b []byte) (int, error) {
	if c.failWrites.Load() {
		return 0, errors.New("broken pipe")
	}
	return c.Conn.Write(b)
}

func (c *slowReaderConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		<-c.release
	}
	return n, err
}

// A failed write closes the connection; the reader ends later, when its
// read fails too. New streams are refused from the start, and Done must
// say so at once: a caller that kept picking the connection until the
// reader ended would see each retry refused (a flaky reconnect test in rpc
// found this).
func TestClientDoneAtWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn, sn := net.Pipe()
		p := newPipePeer(sn, true)
		sc := &slowReaderConn{Conn: cn, release: make(chan struct{})}
		c, _ := h2.NewClientConn(sc)
		p.write(frames.AppendSettings(nil))
		if _, ok := p.next(frames.FrameSettings); !ok {
			t.Fatal("no client preface")
		}
		synctest.Wait()
		sc.failWrites.Store(true)
		cs, err := openGET(t, c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		synctest.Wait()
		select {
		case <-c.Done():
		default:
			t.Error("Done not closed after the write failed")
		}
		if _, err := c.NewStream(context.Background()); !transport.IsUnprocessed(err) {
			t.Errorf("NewStream on a closed connection: %v, want an unprocessed error", err)
		}
		close(sc.release)
		c.Close()
		sn.Close()
		for range p.frames {
		}
	})
}

// RFC 9113 §5.1.1: stream IDs cannot be reused. The stream that takes the
// last one runs to its end, and Done tells the caller to take new streams
// to a new connection; NewStream refuses them as unprocessed, so they are
// safe to retry there.
func TestClientStreamIDsExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newPipeServer(t, nil)
		defer s.close()
		s.c.SetNextStreamID(1<<31 - 1)
		cs, err := openGET(t, s.c, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		h, _ := s.next(frames.FrameHeaders)
		if h.StreamID != 1<<31-1 {
			t.Fatalf("stream ID %d, want 2^31-1", h.StreamID)
		}
		select {
		case <-s.c.Done():
		default:
			t.Fatal("Done not closed with the stream IDs used up")
		}
		if _, err := s.c.NewStream(context.Background()); !transport.IsUnprocessed(err) {
			t.Fatalf("NewStream with the stream IDs used up: %v, want an unprocessed error", err)
		}
		s.respond(h.StreamID, "200", "last")
		if st, body, err := readAll(t, cs); err != nil || st != 200 || body != "last" {
			t.Fatalf("the last stream: %d %q %v", st, body, err)
		}
	})
}

// halfCloser is a pipe end with a CloseWrite that does nothing, so a
// connection that fails lingers on it as it would on TCP.
type halfCloser struct{ net.Conn }

func (halfCloser) CloseWrite() error { return nil }

// Close closes at once, even when the connection is already closing after
// a connection error and its reader lingers for the peer to take the
// GOAWAY: the RPC layer closes such connections from a caller's goroutine.
func TestClientCloseCutsLinger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn, sn := net.Pipe()
		p := newPipePeer(sn, true)
		c, _ := h2.NewClientConn(halfCloser{cn}, h2.WithSettingsTimeout(time.Second))
		// The peer never acknowledges our SETTINGS.
		p.write(frames.AppendSettings(nil))
		if f, ok := p.next(frames.FrameGoAway); !ok || f.ErrCode != frames.ErrCodeSettingsTimeout {
			t.Fatalf("got %+v, %v; want GOAWAY SETTINGS_TIMEOUT", f, ok)
		}
		<-c.Done()
		start := time.Now()
		c.Close()
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v on a lingering connection", d)
		}
		sn.Close()
		for range p.frames {
		}
	})
}

// TestClientReady: Ready closes once the server's SETTINGS have arrived,
// and a connection the peer closes without a preface is Done and never
// Ready (what rpc's dial counts as a failed attempt).
func TestClientReady(t *testing.T) {
	ts := startServer(t, func(st transport.ServerStream) {}, false)
	cc := dial(t, ts.addr)
	select {
	case <-cc.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("not Ready 5s after dialling a server")
	}

	a, b := net.Pipe()
	silent, err := h2.NewClientConn(a)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	b.Close()
	select {
	case <-silent.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("not Done after the peer closed")
	}
	select {
	case <-silent.Ready():
		t.Fatal("Ready without a server preface")
	default:
	}
}

// TestClientWriteStopsAfterCompleteResponse: a request body write waiting
// for flow control ends when the server's complete response arrives
// without a RST_STREAM (RFC 9113 §8.1 lets a server answer before the
// request ends; it then needs no more of the body), rather than wait for
// a window the server never grants. Close then resets the request side,
// whose end cannot go out behind the body the server does not take.
func TestClientWriteStopsAfterCompleteResponse(t *testing.T) {
	s := newPipeServer(t, nil)
	defer s.close()
	cs := openPOST(t, s.c, context.Background(), "/upload")
	defer cs.Close()
	written := make(chan error, 1)
	go func() {
		// Past the 65,535-octet window and the stream's own buffer.
		_, err := cs.Write(make([]byte, 256<<10))
		written <- err
	}()
	var id uint32
	got := 0
	for f := range s.frames {
		if f.Type == frames.FrameHeaders {
			id = f.StreamID
		}
		if f.Type == frames.FrameData {
			got += len(f.Data)
		}
		if got == 65535 {
			break
		}
	}
	select {
	case err := <-written:
		t.Fatalf("Write returned before the response, with the window shut: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	s.respond(id, "200", "done")
	select {
	case err := <-written:
		if err == nil {
			t.Fatal("Write of the rest succeeded after the complete response")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write still blocked 5s after the complete response")
	}
	if status, body, err := readAll(t, cs); status != 200 || body != "done" || err != nil {
		t.Fatalf("response: %d %q %v", status, body, err)
	}
	cs.Close()
	for f := range s.frames {
		if f.StreamID == id && f.Type == frames.FrameRSTStream {
			if code := f.ErrCode; code != frames.ErrCodeCancel {
				t.Fatalf("RST_STREAM %v, want CANCEL", code)
			}
			return
		}
	}
	t.Fatal("no RST_STREAM after Close")
}
