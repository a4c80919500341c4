package h2_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// A server connection whose writer is blocked on a client that stopped
// reading, and which is already closing gracefully (final GOAWAY, idle
// timeout: closeLinger, no write deadline), must still go away when asked
// to close at once (Server.Close, Shutdown's ctx) or when the maximum
// age's grace ends.
func TestServerLingerPeerNotReading(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []h2.Option
		// act returns a channel closed once what must end has ended.
		act func(srv *h2.Server, done chan struct{}) chan struct{}
	}{
		{"Shutdown ctx expires", nil, func(srv *h2.Server, done chan struct{}) chan struct{} {
			ended := make(chan struct{})
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
				defer cancel()
				srv.Shutdown(ctx)
				close(ended)
			}()
			return ended
		}},
		{"Close after idle timeout", []h2.Option{h2.WithIdleTimeout(100 * time.Millisecond)}, func(srv *h2.Server, done chan struct{}) chan struct{} {
			time.Sleep(500 * time.Millisecond) // the idle timeout has closed the connection (linger)
			ended := make(chan struct{})
			go func() { srv.Close(); close(ended) }()
			return ended
		}},
		{"max age grace", []h2.Option{h2.WithMaxConnectionAge(100*time.Millisecond, 1500*time.Millisecond)}, func(srv *h2.Server, done chan struct{}) chan struct{} {
			return done
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			srv := h2.NewServer(transport.HandlerFunc(func(st transport.ServerStream) {
				st.Response().Status = 200
				st.Write(make([]byte, 60000)) // within the default windows
			}), tc.opts...)
			cn, sn := net.Pipe()
			done := make(chan struct{})
			go func() { srv.ServeConn(sn); close(done) }()
			p := newRawPeer(t, cn)
			p.out = append(p.out, frames.ClientPreface...)
			p.out = frames.AppendSettings(p.out)
			p.request(1, true, "/")
			p.flush()
			p.until(func(f *frames.Frame) bool { return f.Type == frames.FrameHeaders && f.StreamID == 1 })
			// From here on the client reads nothing: the server's writer
			// is blocked with the response body.
			ended := tc.act(srv, done)
			select {
			case <-ended:
			case <-time.After(6 * time.Second):
				t.Error("still not closed 6s later: the writer stays blocked on the peer")
			}
			cn.Close() // release what is stuck
			<-done
			srv.Close()
		})
	}
}
