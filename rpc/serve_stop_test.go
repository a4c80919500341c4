package rpc

import (
	"errors"
	"net"
	"testing"
	"time"
)

// When Stop comes while Serve is starting (after Serve found the server
// not stopped but before its transport server tracked the listener), Serve
// must still close the listener, as it does for a Serve after Stop and as
// grpc-go's Serve does ("lis will be closed when this method returns").
// Otherwise the port stays bound for good and nobody owns it.
func TestServeStopRaceClosesListener(t *testing.T) {
	for i := 0; i < 2000; i++ {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer()
		served := make(chan error, 1)
		go func() { served <- srv.Serve(lis) }()
		// Stop as soon as Serve has made its transport server.
		for {
			srv.mu.Lock()
			started := srv.ts != nil
			srv.mu.Unlock()
			if started {
				break
			}
		}
		srv.Stop()
		serr := <-served
		tl := lis.(*net.TCPListener)
		tl.SetDeadline(time.Now().Add(time.Millisecond))
		_, aerr := tl.Accept()
		if !errors.Is(aerr, net.ErrClosed) {
			lis.Close()
			t.Fatalf("iteration %d: Serve returned %v after Stop, but left its listener open (Accept: %v)", i, serr, aerr)
		}
	}
}
