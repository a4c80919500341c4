package h2_test

import (
	"context"
	"errors"
	"io"
	"net"
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
