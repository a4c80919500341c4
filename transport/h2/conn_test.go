package h2_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strconv"
	"sync"
	"testing"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// echo answers with the request body, its trailers as response trailers,
// and x-method/x-path headers.
func echo(st transport.ServerStream) {
	req := st.Request()
	resp := st.Response()
	resp.Header.AddString("content-type", "application/octet-stream")
	resp.Header.Add([]byte("x-method"), req.Method())
	resp.Header.Add([]byte("x-path"), req.Path())
	if v, ok := req.Header.Get("x-in"); ok {
		resp.Header.Add([]byte("x-in-echo"), v)
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := st.Read(buf)
		if n > 0 {
			if _, werr := st.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return
		}
	}
	var tr transport.Header
	tr.CopyFrom(st.RequestTrailers())
	tr.AddString("x-status", "0")
	st.Finish(&tr)
}

func TestUnaryRoundTrip(t *testing.T) {
	checkGoroutines(t)
	for _, tlsOn := range []bool{false, true} {
		t.Run("tls="+strconv.FormatBool(tlsOn), func(t *testing.T) {
			ts := startServer(t, echo, tlsOn)
			var opts []h2.Option
			if tlsOn {
				opts = append(opts, h2.WithTLSConfig(ts.tlsConfig(t)))
			}
			cc := dial(t, ts.addr, opts...)
			var tr transport.Header
			tr.AddString("x-req-trailer", "yes")
			for i := 0; i < 3; i++ {
				st, body, rtr, err := call(t, cc, "POST", "/pkg.Svc/M", []byte("hello"), &tr)
				if err != nil {
					t.Fatal(err)
				}
				if st != 200 || body != "hello" {
					t.Fatalf("got %d %q", st, body)
				}
				if v, _ := rtr.Get("x-req-trailer"); string(v) != "yes" {
					t.Fatalf("request trailers not echoed: %v", rtr)
				}
				if v, _ := rtr.Get("x-status"); string(v) != "0" {
					t.Fatal("response trailer missing")
				}
			}
		})
	}
}

// A response of only a head with END_STREAM (gRPC's Trailers-Only) reads
// as a head whose body is empty.
func TestTrailersOnly(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, func(st transport.ServerStream) {
		st.Response().Header.AddString("grpc-status", "5")
		st.Finish(nil)
	}, false)
	cc := dial(t, ts.addr)
	cs := openPOST(t, cc, context.Background(), "/x")
	defer cs.Close()
	if err := cs.CloseSend(nil); err != nil {
		t.Fatal(err)
	}
	resp, err := cs.Response()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := resp.Header.Get("grpc-status"); string(v) != "5" {
		t.Fatalf("head: %+v", resp)
	}
	if n, err := cs.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if cs.Trailers().Len() != 0 {
		t.Fatal("trailers not empty")
	}
}

// Bodies far larger than every window cross both ways intact, so flow
// control (and BDP growth) works in both directions.
func TestBigBodies(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, echo, false)
	cc := dial(t, ts.addr)
	big := make([]byte, 2<<20+123)
	rand.Read(big)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, body, _, err := call(t, cc, "POST", "/big", big, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal([]byte(body), big) {
				t.Errorf("body differs: %d bytes back", len(body))
			}
		}()
	}
	wg.Wait()
}

// More concurrent streams than the server allows: the client queues them
// and all complete.
func TestManyConcurrentStreams(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, echo, false, h2.WithMaxConcurrentStreams(16))
	cc := dial(t, ts.addr)
	// One call first: until the server's SETTINGS arrive the client
	// assumes 100 streams, as x/net does, and excess streams are refused
	// (unprocessed, for the RPC layer to retry).
	if _, _, _, err := call(t, cc, "GET", "/first", nil, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			msg := "m" + strconv.Itoa(i)
			_, body, _, err := call(t, cc, "POST", "/many", []byte(msg), nil)
			if err != nil || body != msg {
				t.Errorf("stream %d: %q %v", i, body, err)
			}
		}(i)
	}
	wg.Wait()
}

// Bidirectional streaming: each message is answered before the next goes.
func TestBidiStreaming(t *testing.T) {
	checkGoroutines(t)
	ts := startServer(t, func(st transport.ServerStream) {
		buf := make([]byte, 100)
		for {
			n, err := st.Read(buf)
			if err != nil {
				st.Finish(nil)
				return
			}
			st.Write(bytes.ToUpper(buf[:n]))
			st.Flush()
		}
	}, false)
	cc := dial(t, ts.addr)
	cs := openPOST(t, cc, context.Background(), "/bidi")
	defer cs.Close()
	buf := make([]byte, 100)
	for _, m := range []string{"a", "bb", "ccc"} {
		cs.Write([]byte(m))
		cs.Flush()
		n, err := io.ReadFull(cs, buf[:len(m)])
		if err != nil || string(buf[:n]) != string(bytes.ToUpper([]byte(m))) {
			t.Fatalf("got %q %v", buf[:n], err)
		}
	}
	cs.CloseSend(nil)
	if _, err := cs.Read(buf); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// Resets both ways: a client Cancel ends the handler's context and Read; a
// server Reset reaches the client as a remote StreamError with its code.
func TestResets(t *testing.T) {
	checkGoroutines(t)
	handlerSaw := make(chan error, 1)
	ts := startServer(t, func(st transport.ServerStream) {
		switch string(st.Request().Path()) {
		case "/wait":
			st.Flush()
			<-st.Context().Done()
			_, err := st.Read(make([]byte, 1))
			handlerSaw <- err
		case "/reset":
			st.Reset(transport.EnhanceYourCalm)
		}
	}, false)
	cc := dial(t, ts.addr)

	ctx, cancel := context.WithCancel(context.Background())
	cs := openPOST(t, cc, ctx, "/wait")
	if _, err := cs.Response(); err != nil {
		t.Fatal(err)
	}
	cancel()
	err := <-handlerSaw
	var se *transport.StreamError
	if !errors.As(err, &se) || se.Code != transport.Cancel || !se.Remote {
		t.Fatalf("handler Read after client cancel: %v", err)
	}
	if _, err := cs.Read(make([]byte, 1)); !errors.As(err, &se) || se.Remote || se.Code != transport.Cancel {
		t.Fatalf("client Read after cancel: %v", err)
	}
	cs.Close()

	_, _, _, err = call(t, cc, "GET", "/reset", nil, nil)
	if !errors.As(err, &se) || se.Code != transport.EnhanceYourCalm || !se.Remote {
		t.Fatalf("server reset: %v", err)
	}
	// The connection is still fine.
	if _, _, _, err := call(t, cc, "GET", "/other", nil, nil); err != nil {
		t.Fatal(err)
	}
}
