package h2_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// slowCloseConn is a net.Conn whose Close blocks until released, as a TLS
// connection's does while its close_notify waits (up to 5s) for a peer
// that does not read.
type slowCloseConn struct {
	net.Conn
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func newSlowCloseConn(c net.Conn) *slowCloseConn {
	return &slowCloseConn{Conn: c, entered: make(chan struct{}), release: make(chan struct{})}
}

func (c *slowCloseConn) Close() error {
	c.once.Do(func() { close(c.entered) })
	<-c.release
	return c.Conn.Close()
}

// within fails the test if f does not return within a generous bound: a
// mutex held across a blocked Close would hold it there. Real time, as
// synctest does not see goroutines blocked on a mutex as blocked.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked while the socket was closing: is the connection mutex held across Close?", what)
	}
}

// Closing a connection never holds its mutex while the socket closes, so
// the streams of a connection whose Close blocks (TLS close_notify) fail at
// once instead of hanging behind it.
func TestCloseOutsideLock(t *testing.T) {
	checkGoroutines(t)
	t.Run("client", func(t *testing.T) {
		cn, sn := net.Pipe()
		peer := newPipePeer(sn, true)
		sc := newSlowCloseConn(cn)
		c, _ := h2.NewClientConn(sc)
		cs, err := c.NewStream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() { c.Close(); close(closed) }()
		<-sc.entered
		within(t, "ClientConn.Err", func() { c.Err() })
		within(t, "NewStream", func() {
			if _, err := c.NewStream(context.Background()); !transport.IsUnprocessed(err) {
				t.Errorf("NewStream on a closed connection: %v", err)
			}
		})
		within(t, "stream Cancel", func() { cs.Cancel(transport.Cancel) })
		close(sc.release)
		<-closed
		cs.Close()
		sn.Close()
		for range peer.frames {
		}
	})
	t.Run("server", func(t *testing.T) {
		inHandler := make(chan transport.ServerStream)
		handlerDone := make(chan error)
		srv := h2.NewServer(transport.HandlerFunc(func(st transport.ServerStream) {
			inHandler <- st
			<-st.Context().Done()
			_, err := st.Write([]byte("late"))
			handlerDone <- err
		}))
		cn, sn := net.Pipe()
		sc := newSlowCloseConn(sn)
		go srv.ServeConn(sc)
		c, _ := h2.NewClientConn(cn)
		go call(t, c, "GET", "/", nil, nil)
		<-inHandler
		closed := make(chan struct{})
		go func() { srv.Close(); close(closed) }()
		<-sc.entered
		within(t, "handler Write", func() {
			if err := <-handlerDone; err == nil {
				t.Error("Write on a closed connection succeeded")
			}
		})
		close(sc.release)
		<-closed
		c.Close()
	})
}
