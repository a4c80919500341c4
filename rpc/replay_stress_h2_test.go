package rpc_test

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// guardConn wraps a real h2 connection: about 40% of its streams fail as
// unprocessed at a random write (so the call replays), their Response
// failing quickly or slowly, and every stream reports any use after
// Close, a second Close, or a Close while a Response waits on it: the h2
// transport reuses closed streams, so any of those would act on another
// call's stream.
type guardConn struct {
	*h2.ClientConn
	mu      sync.Mutex
	streams []*guardStream
	bad     atomic.Int32
	msgs    chan string
	rng     *rand.Rand
}

type guardStream struct {
	transport.ClientStream
	g         *guardConn
	refuse    bool
	refuseAt  int32
	slowResp  bool
	writes    atomic.Int32
	closes    atomic.Int32
	inResp    atomic.Int32
	once      sync.Once
	cancelled chan struct{}
}

func (s *guardStream) check(op string) {
	if s.closes.Load() > 0 {
		s.g.bad.Add(1)
		buf := make([]byte, 4096)
		n := runtime.Stack(buf, false)
		select {
		case s.g.msgs <- fmt.Sprintf("%s after Close:\n%s", op, buf[:n]):
		default:
		}
	}
}

func (s *guardStream) Request() *transport.Request {
	s.check("Request")
	return s.ClientStream.Request()
}
func (s *guardStream) Write(p []byte) (int, error) {
	s.check("Write")
	if s.refuse {
		if s.writes.Add(1) >= s.refuseAt {
			return 0, localRefusal
		}
		return len(p), nil
	}
	return s.ClientStream.Write(p)
}
func (s *guardStream) Flush() error {
	s.check("Flush")
	if s.refuse && s.writes.Load() >= s.refuseAt {
		return localRefusal
	}
	return s.ClientStream.Flush()
}
func (s *guardStream) CloseSend(tr *transport.Header) error {
	s.check("CloseSend")
	if s.refuse {
		return localRefusal
	}
	return s.ClientStream.CloseSend(tr)
}
func (s *guardStream) Response() (*transport.Response, error) {
	s.check("Response")
	s.inResp.Add(1)
	defer s.inResp.Add(-1)
	if s.refuse {
		d := time.Duration(rand.Intn(300)) * time.Microsecond
		if s.slowResp {
			d = time.Duration(rand.Intn(3000)) * time.Microsecond
		}
		var err error = localRefusal
		select {
		case <-time.After(d):
		case <-s.cancelled:
			err = &transport.StreamError{Code: transport.Cancel}
			if s.slowResp {
				time.Sleep(time.Duration(rand.Intn(2000)) * time.Microsecond)
			}
		}
		s.check("Response(end)")
		return nil, err
	}
	r, err := s.ClientStream.Response()
	s.check("Response(end)")
	return r, err
}
func (s *guardStream) Read(p []byte) (int, error) { s.check("Read"); return s.ClientStream.Read(p) }
func (s *guardStream) Trailers() *transport.Header {
	s.check("Trailers")
	return s.ClientStream.Trailers()
}
func (s *guardStream) Cancel(c transport.Code) {
	s.check("Cancel")
	s.once.Do(func() { close(s.cancelled) })
	s.ClientStream.Cancel(c)
}
func (s *guardStream) Close() {
	if s.inResp.Load() > 0 {
		s.g.bad.Add(1)
		select {
		case s.g.msgs <- "Close while Response waits":
		default:
		}
	}
	if s.closes.Add(1) > 1 {
		s.g.bad.Add(1)
		select {
		case s.g.msgs <- "double Close":
		default:
		}
	}
	s.ClientStream.Close()
}

func (c *guardConn) NewStream(ctx context.Context) (transport.ClientStream, error) {
	st, err := c.ClientConn.NewStream(ctx)
	if err != nil {
		return st, err
	}
	c.mu.Lock()
	g := &guardStream{ClientStream: st, g: c, cancelled: make(chan struct{})}
	if c.rng.Intn(10) < 4 {
		g.refuse = true
		g.refuseAt = int32(1 + c.rng.Intn(3))
		g.slowResp = c.rng.Intn(2) == 0
	}
	c.streams = append(c.streams, g)
	c.mu.Unlock()
	return g, nil
}

// Replays under concurrent Send, Recv, Header and cancellation, over
// real h2, never touch a stream after releasing it, never release one
// twice, and release every stream in the end.
func TestReplayStreamLifecycleStress(t *testing.T) {
	checkGoroutines(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, served := serveOn(t, lis)
	defer func() { srv.Stop(); <-served }()
	gc := &guardConn{msgs: make(chan string, 16), rng: rand.New(rand.NewSource(seed))}
	cc, err := rpc.Dial("x", rpc.WithTransportDialer(func(ctx context.Context, _ string) (transport.ClientConn, error) {
		c, err := h2.Dial(ctx, lis.Addr().String())
		if err != nil {
			return nil, err
		}
		gc.ClientConn = c
		return gc, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoServiceClient(cc)
	iters := 400
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < iters; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			switch i % 3 {
			case 1:
				cs, err := client.ClientStream(ctx)
				if err != nil {
					return
				}
				done := make(chan struct{})
				go func() { defer close(done); cs.Header() }()
				for j := 0; j < 1+i%4; j++ {
					if cs.Send(&echov1.EchoRequest{Message: fmt.Sprint(j)}) != nil {
						break
					}
				}
				if _, err := cs.CloseAndRecv(); err != nil {
					t.Logf("client stream %d: %v", i, err)
				}
				<-done
				return
			case 2:
				ss, err := client.ServerStream(ctx, &echov1.EchoRequest{Message: "s"})
				if err != nil {
					return
				}
				done := make(chan struct{})
				go func() { defer close(done); ss.Header() }()
				for {
					if _, err := ss.Recv(); err != nil {
						if err != io.EOF {
							t.Logf("server stream %d: %v", i, err)
						}
						break
					}
				}
				<-done
				return
			}
			stream, err := client.BidiStream(ctx)
			if err != nil {
				return
			}
			var inner sync.WaitGroup
			inner.Add(2)
			go func() {
				defer inner.Done()
				for j := 0; j < 1+i%4; j++ {
					if stream.Send(&echov1.EchoRequest{Message: fmt.Sprint(j)}) != nil {
						return
					}
				}
				stream.CloseSend()
			}()
			go func() {
				defer inner.Done()
				stream.Header()
			}()
			if i%7 == 3 {
				go func() {
					time.Sleep(time.Duration(rand.Intn(500)) * time.Microsecond)
					cancel()
				}()
			}
			for {
				if _, err := stream.Recv(); err != nil {
					if err != io.EOF && i%7 != 3 {
						t.Logf("call %d: %v", i, err)
					}
					break
				}
			}
			inner.Wait()
		}(i)
	}
	wg.Wait()
	// A call cancelled by its context ends in ctxDone's goroutine.
	for deadline := time.Now().Add(5 * time.Second); gc.unclosed() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	close(gc.msgs)
	for m := range gc.msgs {
		t.Error(m)
	}
	open := gc.unclosed()
	gc.mu.Lock()
	n := len(gc.streams)
	gc.mu.Unlock()
	t.Logf("%d streams, %d never closed, %d violations", n, open, gc.bad.Load())
	if open > 0 || gc.bad.Load() > 0 {
		t.Fail()
	}
}

func (c *guardConn) unclosed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	open := 0
	for _, s := range c.streams {
		if s.closes.Load() == 0 {
			open++
		}
	}
	return open
}
