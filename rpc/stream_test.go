package rpc

import (
	"context"
	"io"
	"testing"

	"github.com/shockwave-rpc/shockwave/rpc/metadata"
)

// pipeStream is an in-memory ServerStream and ClientStream: SendMsg records,
// RecvMsg replays queued strings.
type pipeStream struct {
	sent   []any
	queue  []string
	closed bool
}

func (p *pipeStream) SetHeader(metadata.MD) error  { return nil }
func (p *pipeStream) SendHeader(metadata.MD) error { return nil }
func (p *pipeStream) SetTrailer(metadata.MD)       {}
func (p *pipeStream) Header() (metadata.MD, error) { return nil, nil }
func (p *pipeStream) Trailer() metadata.MD         { return nil }
func (p *pipeStream) CloseSend() error             { p.closed = true; return nil }
func (p *pipeStream) Context() context.Context     { return context.Background() }
func (p *pipeStream) SendMsg(m any) error          { p.sent = append(p.sent, m); return nil }
func (p *pipeStream) RecvMsg(m any) error {
	if len(p.queue) == 0 {
		return io.EOF
	}
	*m.(*string), p.queue = p.queue[0], p.queue[1:]
	return nil
}

func TestGenericServerStream(t *testing.T) {
	p := &pipeStream{queue: []string{"a", "b"}}
	var s BidiStreamingServer[string, int] = &GenericServerStream[string, int]{ServerStream: p}
	first, err := s.Recv()
	if err != nil || *first != "a" {
		t.Fatalf("Recv = %v, %v", first, err)
	}
	second, _ := s.Recv()
	if *first != "a" || *second != "b" {
		t.Fatal("Recv must return a fresh message each time")
	}
	if _, err := s.Recv(); err != io.EOF {
		t.Fatalf("Recv at end = %v, want io.EOF", err)
	}
	one := 1
	_ = s.Send(&one)
	_ = (&GenericServerStream[string, int]{ServerStream: p}).SendAndClose(&one)
	if len(p.sent) != 2 || p.sent[0] != &one {
		t.Fatalf("sent %v", p.sent)
	}
}

func TestGenericClientStream(t *testing.T) {
	p := &pipeStream{queue: []string{"reply"}}
	var c ClientStreamingClient[int, string] = &GenericClientStream[int, string]{ClientStream: p}
	n := 7
	if err := c.Send(&n); err != nil || len(p.sent) != 1 {
		t.Fatalf("Send: %v, sent %v", err, p.sent)
	}
	r, err := c.CloseAndRecv()
	if err != nil || *r != "reply" || !p.closed {
		t.Fatalf("CloseAndRecv = %v, %v, closed %v", r, err, p.closed)
	}
	if _, err := c.CloseAndRecv(); err != io.EOF {
		t.Fatalf("CloseAndRecv at end = %v", err)
	}
	var s ServerStreamingClient[string] = &GenericClientStream[int, string]{ClientStream: &pipeStream{}}
	if _, err := s.Recv(); err != io.EOF {
		t.Fatalf("Recv at end = %v", err)
	}
}
