package h2_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"testing/synctest"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/transport"
)

// What happens to a response's unread bytes when the stream ends early, on
// the client: a caller that cancels may never read or Close again (grpc-go's
// contract lets it just cancel its context), so what it left unread is
// dropped at once rather than held against the connection's buffered cap;
// a response the server reset stays readable up to the reset, as in
// grpc-go.
func TestClientUnreadAfterEarlyEnd(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 40<<10)
	cases := []struct {
		name string
		// end ends the stream after the server sent the head and body
		// (with END_STREAM when complete).
		complete bool
		end      func(s *pipeServer, cs transport.ClientStream, id uint32)
		// unread is what the connection still holds after end;
		// readable, whether the body can still be read before the error.
		unread   int
		readable bool
		wantErr  func(error) bool
	}{
		{
			name: "cancel mid-response",
			end: func(s *pipeServer, cs transport.ClientStream, id uint32) {
				cs.Cancel(transport.Cancel)
			},
			wantErr: isCode(transport.Cancel),
		},
		{
			name:     "cancel after a complete response",
			complete: true,
			end: func(s *pipeServer, cs transport.ClientStream, id uint32) {
				cs.Cancel(transport.Cancel)
			},
			wantErr: isCode(transport.Cancel),
		},
		{
			name: "server reset mid-response",
			end: func(s *pipeServer, cs transport.ClientStream, id uint32) {
				s.write(frames.AppendRSTStream(nil, id, frames.ErrCodeInternal))
			},
			unread:   len(body),
			readable: true,
			wantErr:  isCode(transport.InternalError),
		},
		{
			name:     "server reset after a complete response",
			complete: true,
			end: func(s *pipeServer, cs transport.ClientStream, id uint32) {
				s.write(frames.AppendRSTStream(nil, id, frames.ErrCodeNo))
			},
			unread:   len(body),
			readable: true,
			wantErr:  func(err error) bool { return err == nil },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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
				for rest := body; len(rest) > 0; {
					n := min(len(rest), 16<<10)
					b = frames.AppendData(b, h.StreamID, tc.complete && n == len(rest), rest[:n])
					rest = rest[n:]
				}
				s.write(b)
				synctest.Wait()
				if unread, _ := s.c.RecvBuffered(); unread != len(body) {
					t.Fatalf("unread before the end: %d, want %d", unread, len(body))
				}
				tc.end(s, cs, h.StreamID)
				synctest.Wait()
				if unread, _ := s.c.RecvBuffered(); unread != tc.unread {
					t.Errorf("unread after the end: %d, want %d", unread, tc.unread)
				}
				if _, err := cs.Response(); err != nil && tc.readable {
					t.Fatalf("Response: %v", err)
				}
				got, err := io.ReadAll(cs)
				if tc.readable && !bytes.Equal(got, body) {
					t.Errorf("read %d bytes, want the %d received", len(got), len(body))
				}
				if !tc.readable && len(got) != 0 {
					t.Errorf("read %d dropped bytes", len(got))
				}
				if !tc.wantErr(err) {
					t.Errorf("Read's error: %v", err)
				}
				if unread, _ := s.c.RecvBuffered(); unread != 0 {
					t.Errorf("unread after reading: %d", unread)
				}
			})
		})
	}
}

func isCode(code transport.Code) func(error) bool {
	return func(err error) bool {
		var se *transport.StreamError
		return errors.As(err, &se) && se.Code == code
	}
}

// A connection that ends inside a frame fails the stream with
// ErrConnClosed, as one that ends between frames does, never with an io
// error a reader could take for a short body.
func TestClientConnClosedMidFrame(t *testing.T) {
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
		b = frames.AppendData(b, h.StreamID, false, bytes.Repeat([]byte("y"), 1000))
		s.write(b[:len(b)-500]) // half the DATA frame
		synctest.Wait()
		s.sn.Close()
		_, err = io.ReadAll(cs)
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, transport.ErrConnClosed) {
			t.Fatalf("Read after the connection ended mid-frame: %v, want ErrConnClosed", err)
		}
	})
}

// A complete response that arrives while the request is still being sent
// (the stream half-closed remote) is dropped too when the caller cancels,
// whether or not the server follows it with RST_STREAM; Read reports the
// cancel with the code given.
func TestClientCancelHalfClosedRemote(t *testing.T) {
	for _, rst := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			s := newPipeServer(t, nil)
			defer s.close()
			cs := openPOST(t, s.c, context.Background(), "/upload")
			defer cs.Close()
			cs.Flush()
			h, _ := s.next(frames.FrameHeaders)
			b := s.headers(nil, h.StreamID, false, []string{":status", "200"})
			b = frames.AppendData(b, h.StreamID, true, bytes.Repeat([]byte("z"), 10000))
			if rst {
				b = frames.AppendRSTStream(b, h.StreamID, frames.ErrCodeNo)
			}
			s.write(b)
			synctest.Wait()
			cs.Cancel(transport.InternalError)
			synctest.Wait()
			if unread, _ := s.c.RecvBuffered(); unread != 0 {
				t.Errorf("RST_STREAM %v: unread after the cancel: %d, want 0", rst, unread)
			}
			if _, err := io.ReadAll(cs); !isCode(transport.InternalError)(err) {
				t.Errorf("RST_STREAM %v: Read after the cancel: %v, want the cancel's INTERNAL_ERROR", rst, err)
			}
		})
	}
}
