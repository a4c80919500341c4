package h2_test

import (
	"context"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// A handler that returns without reading a request body that has fully
// arrived leaves bytes nobody can read any more. They must stop counting
// against the connection's buffered cap at once, not when the response
// (here held up by a client that does not read it) finally ends.
func TestUnreadCompleteBodyDroppedWhenHandlerReturns(t *testing.T) {
	checkGoroutines(t)
	release := make(chan struct{})
	returned := make(chan struct{})
	ts := startServer(t, transport.HandlerFunc(func(st transport.ServerStream) {
		defer close(returned)
		st.Response().Status = 200
		<-release
		// More than the client's stream window: the END_STREAM waits.
		st.Write(make([]byte, 70000))
	}), false)
	cc := dial(t, ts.addr, h2.WithInitialWindowSize(65535))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer uploadUnread(t, ctx, cc, "/").Close()
	if n := waitUnread(ts, 60000); n != 60000 {
		t.Fatalf("unread %d before the handler returns, want 60000", n)
	}
	close(release)
	<-returned
	if n := waitUnread(ts, 0); n != 0 {
		t.Errorf("unread %d bytes still count against the buffered cap after the handler returned", n)
	}
}

// The consequence: with those bytes held, the connection stays at its
// buffered cap and the other streams' uploads starve.
func TestUnreadCompleteBodyStarvesOtherStreams(t *testing.T) {
	checkGoroutines(t)
	release := make(chan struct{})
	returned := make(chan struct{})
	ts := startServer(t, transport.HandlerFunc(func(st transport.ServerStream) {
		st.Response().Status = 200
		if string(st.Request().Path()) == "/ignore" {
			defer close(returned)
			<-release
			st.Write(make([]byte, 70000))
			return
		}
		buf := make([]byte, 32<<10)
		for {
			if _, err := st.Read(buf); err != nil {
				return
			}
		}
	}), false, h2.WithInitialConnWindowSize(65535), h2.WithMaxBufferedBytes(60000))
	cc := dial(t, ts.addr, h2.WithInitialWindowSize(65535))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := uploadUnread(t, ctx, cc, "/ignore")
	defer cs.Close()
	waitUnread(ts, 60000)
	close(release)
	<-returned
	// The first response is never read. A second call uploads.
	done := make(chan error, 1)
	go func() {
		_, _, _, err := call(t, cc, "POST", "/drain", make([]byte, 100000), nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("second call's upload starved: the returned handler's unread body holds the buffered cap")
		cancel()
		cs.Close()
		cc.Close()
		<-done
	}
}

// uploadUnread sends a complete 60,000-octet request body to path.
func uploadUnread(t *testing.T, ctx context.Context, cc *h2.ClientConn, path string) transport.ClientStream {
	t.Helper()
	cs, err := cc.NewStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	setPOST(cs.Request(), path)
	if _, err := cs.Write(make([]byte, 60000)); err != nil {
		t.Fatal(err)
	}
	if err := cs.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitUnread waits up to 3s for the server's unread request bytes to be
// want, and returns the last count.
func waitUnread(ts *testServer, want int) int {
	var n int
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if n, _ = ts.h2.RecvBuffered(); n == want {
			break
		}
	}
	return n
}
