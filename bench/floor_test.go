package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"
)

// The floor under BenchmarkServerStream1000x1K: the same call's work (the
// client marshals the request with its 1,000 ResponseParameters, the
// server unmarshals it and marshals 1,000 responses of 1 KiB, the client
// unmarshals each into one message) and the same bytes in gRPC's 5-byte
// envelopes, over a bare loopback TCP connection: no HTTP/2 framing, no
// flow control, no multiplexing, no per-call state. No RPC stack over TCP
// can do the call in less; the distance between this and
// impl=shockwave is everything our transport and RPC layers cost
// (bench/NOTES.md, sixth session).
//
//	goroutines=2  the server's handler writes to the socket itself and the
//	              client's caller reads from it: one goroutine a side.
//	goroutines=4  a writer goroutine beside the handler and a reader
//	              goroutine beside the caller, handing 128 KiB buffers over
//	              channels: the shape of any stack that multiplexes calls
//	              on one connection (ours and grpc-go's alike).

// floorBuf is the size of the buffers the floor writes and reads: the
// size of our writer's batches (fillTarget), where the floor measured
// fastest (64 KiB was 10–20% slower).
const floorBuf = 128 << 10

type floorConn struct {
	c, s net.Conn
	wg   sync.WaitGroup
	// Client side with a reader goroutine: filled buffers arrive on full
	// and go back for reuse on free.
	full, free chan []byte
	readErr    error
	rbuf       []byte // client side without a reader goroutine
	pend       []byte // received bytes not yet a whole message
	req        *testpb.StreamingOutputCallRequest
}

func startFloor(tb testing.TB, split bool, req *testpb.StreamingOutputCallRequest) *floorConn {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer lis.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		s, _ := lis.Accept()
		accepted <- s
	}()
	c, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		c.Close()
		tb.Fatal("accept failed")
	}
	f := &floorConn{c: c, s: s, req: req, pend: make([]byte, 0, 2*floorBuf)}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		floorServe(s, split)
	}()
	if split {
		f.full = make(chan []byte, 2)
		f.free = make(chan []byte, 2)
		f.free <- make([]byte, floorBuf)
		f.free <- make([]byte, floorBuf)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer close(f.full)
			for b := range f.free {
				n, err := c.Read(b)
				if err != nil {
					f.readErr = err
					return
				}
				f.full <- b[:n]
			}
		}()
	} else {
		f.rbuf = make([]byte, floorBuf)
	}
	return f
}

// close ends the connection and waits for the floor's goroutines.
func (f *floorConn) close() {
	f.c.Close()
	f.s.Close()
	if f.free != nil {
		close(f.free)
		for range f.full {
		}
	}
	f.wg.Wait()
}

// floorServe answers each request on s until s fails.
func floorServe(s net.Conn, split bool) {
	resp := &testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: make([]byte, 1024)}}
	var hdr [5]byte
	var in []byte
	out := make([]byte, 0, floorBuf+2048)
	var full, free chan []byte
	var wg sync.WaitGroup
	if split {
		// Two buffers: the handler fills one while the writer writes
		// the other.
		full, free = make(chan []byte, 2), make(chan []byte, 2)
		free <- make([]byte, 0, floorBuf+2048)
		free <- make([]byte, 0, floorBuf+2048)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range full {
				s.Write(b) // an error shows as the next read's
				free <- b[:0]
			}
		}()
		out = <-free
	}
	defer func() {
		if split {
			close(full)
			wg.Wait()
		}
	}()
	write := func() {
		if split {
			full <- out
			out = <-free
		} else {
			s.Write(out)
			out = out[:0]
		}
	}
	for {
		if _, err := io.ReadFull(s, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[1:]))
		if cap(in) < n {
			in = make([]byte, n)
		}
		in = in[:n]
		if _, err := io.ReadFull(s, in); err != nil {
			return
		}
		var req testpb.StreamingOutputCallRequest
		if err := proto.Unmarshal(in, &req); err != nil {
			return
		}
		for range req.ResponseParameters {
			at := len(out)
			out = append(out, 0, 0, 0, 0, 0)
			out, _ = proto.MarshalOptions{}.MarshalAppend(out, resp)
			binary.BigEndian.PutUint32(out[at+1:], uint32(len(out)-at-5))
			if len(out) >= floorBuf {
				write()
			}
		}
		if len(out) > 0 {
			write()
		}
	}
}

var errFloorShort = errors.New("floor: connection ended mid-call")

// call makes one call and returns how many responses arrived.
func (f *floorConn) call(m *testpb.StreamingOutputCallResponse) (int, error) {
	b, err := proto.MarshalOptions{}.MarshalAppend(make([]byte, 5, 8<<10), f.req)
	if err != nil {
		return 0, err
	}
	binary.BigEndian.PutUint32(b[1:], uint32(len(b)-5))
	if _, err := f.c.Write(b); err != nil {
		return 0, err
	}
	want := len(f.req.ResponseParameters)
	got := 0
	for got < want {
		var chunk []byte
		if f.full != nil {
			var ok bool
			if chunk, ok = <-f.full; !ok {
				return got, fmt.Errorf("%w: %v", errFloorShort, f.readErr)
			}
		} else {
			n, err := f.c.Read(f.rbuf)
			if err != nil {
				return got, fmt.Errorf("%w: %v", errFloorShort, err)
			}
			chunk = f.rbuf[:n]
		}
		f.pend = append(f.pend, chunk...)
		if f.full != nil {
			f.free <- chunk[:cap(chunk)]
		}
		off := 0
		for len(f.pend)-off >= 5 {
			n := int(binary.BigEndian.Uint32(f.pend[off+1:]))
			if len(f.pend)-off-5 < n {
				break
			}
			if err := proto.Unmarshal(f.pend[off+5:off+5+n], m); err != nil {
				return got, err
			}
			got++
			off += 5 + n
		}
		f.pend = f.pend[:copy(f.pend, f.pend[off:])]
	}
	return got, nil
}

// BenchmarkServerStreamFloor is the floor under BenchmarkServerStream1000x1K
// (see the comment at the top of this file).
func BenchmarkServerStreamFloor(b *testing.B) {
	const n = 1000
	req := &testpb.StreamingOutputCallRequest{}
	for i := 0; i < n; i++ {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: 1024})
	}
	for _, g := range []int{2, 4} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			f := startFloor(b, g == 4, req)
			defer f.close()
			var m testpb.StreamingOutputCallResponse
			if got, err := f.call(&m); err != nil || got != n {
				b.Fatalf("warm-up: %d messages, %v", got, err)
			}
			b.ReportAllocs()
			b.SetBytes(n * 1024)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if got, err := f.call(&m); err != nil || got != n {
					b.Fatalf("%d messages, %v", got, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// TestServerStreamFloor checks that the floor does the benchmark's work:
// every response arrives whole, of the size asked for, in both shapes.
func TestServerStreamFloor(t *testing.T) {
	req := &testpb.StreamingOutputCallRequest{}
	for i := 0; i < 300; i++ {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: 1024})
	}
	for _, split := range []bool{false, true} {
		f := startFloor(t, split, req)
		for call := 0; call < 3; call++ {
			var m testpb.StreamingOutputCallResponse
			got, err := f.call(&m)
			if err != nil || got != len(req.ResponseParameters) {
				t.Fatalf("split=%v call %d: %d messages, %v", split, call, got, err)
			}
			if len(m.GetPayload().GetBody()) != 1024 {
				t.Fatalf("split=%v: last body %d bytes, want 1024", split, len(m.GetPayload().GetBody()))
			}
			if len(f.pend) != 0 {
				t.Fatalf("split=%v: %d bytes left over after the call", split, len(f.pend))
			}
		}
		f.close()
	}
}
