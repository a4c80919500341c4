package health_test

import (
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/shockwave-rpc/shockwave/internal/rpctest"
	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

// The methods FuzzHealth calls, by its method input modulo 3.
const (
	fuzzCheck = iota
	fuzzWatch
	fuzzList
)

// FuzzHealth's mode bits.
const (
	// setStatus: the application sets service's status (when service is
	// UTF-8, as a name the List response can carry must be).
	setStatus = 1 << iota
	// nameInRequest: the request starts with service as its service
	// field, before body.
	nameInRequest
	// shutdown: the application calls Shutdown before the call.
	shutdown
	// crowded: the server has statuses for more than 100 services.
	crowded
)

// fuzzHealthOther is a service the server always has a status for.
const fuzzHealthOther = "svc.Other"

// FuzzHealth makes one Check, Watch or List call whose request is
// arbitrary bytes (after, optionally, a service field naming an arbitrary
// service, whose status the application may have set) to a health server
// over rpc and the in-memory transport. It checks that:
//
//   - a request that does not decode, as HealthCheckRequest or
//     HealthListRequest, fails the call with INTERNAL, as rpc answers any
//     undecodable message;
//   - Check answers the status set for the service, or NOT_FOUND;
//   - Watch first sends that status, or SERVICE_UNKNOWN, then the next
//     status set, and ends CANCELED when the client cancels;
//   - List answers every status, or RESOURCE_EXHAUSTED over 100;
//   - responses decode, with no field the protocol lacks;
//   - the server answers a Check afterwards, and once the connection
//     closes no Watch is registered and no goroutine of the input's is
//     left.
func FuzzHealth(f *testing.F) {
	marshal := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	for i, name := range []string{
		"", fuzzHealthOther, "grpc.health.v1.Health", "svc.Unknown", "svc.5", "a/b", "日本語",
		strings.Repeat("x", 300),
	} {
		req := marshal(&healthv1.HealthCheckRequest{Service: name})
		for method := range uint8(3) {
			f.Add(method, name, req, int32(serving), uint8(0))
			f.Add(method, name, []byte(nil), int32(i%4), uint8(setStatus|nameInRequest))
		}
		f.Add(uint8(fuzzWatch), name, req, int32(notServing), uint8(setStatus|shutdown))
	}
	list := marshal(&healthv1.HealthListRequest{})
	f.Add(uint8(fuzzList), "", list, int32(0), uint8(0))
	f.Add(uint8(fuzzList), "svc.new", list, int32(notServing), uint8(setStatus|shutdown))
	f.Add(uint8(fuzzList), "", list, int32(0), uint8(crowded))
	f.Add(uint8(fuzzCheck), "svc.7", []byte(nil), int32(0), uint8(crowded|nameInRequest))
	f.Add(uint8(fuzzCheck), "x", []byte(nil), int32(57), uint8(setStatus|nameInRequest))
	f.Add(uint8(fuzzWatch), "x", []byte(nil), int32(-3), uint8(setStatus|nameInRequest))
	// Requests that do not decode, or decode only just: a name that is
	// not UTF-8, a truncated field, a bad tag, a field of the wrong wire
	// type (an unknown field to protobuf), an unknown field, a group end.
	for _, tc := range []struct {
		name string
		body []byte
		mode uint8
	}{
		{"\xff\xfe", nil, nameInRequest},
		{"", []byte{0x0a, 0x05, 'a'}, 0},
		{"", []byte{0x00}, 0},
		{"", []byte{0x08, 0x01}, 0},
		{"a", []byte{0x12, 0x01, 'b'}, nameInRequest},
		{"", []byte{0x0c}, 0},
		{"", []byte{0x0a, 0x80}, 0},
	} {
		for method := range uint8(3) {
			f.Add(method, tc.name, tc.body, int32(serving), tc.mode)
		}
	}

	f.Fuzz(func(t *testing.T, method uint8, service string, body []byte, st int32, mode uint8) {
		defer watchdog(60 * time.Second)()
		set := healthv1.HealthCheckResponse_ServingStatus(st)
		h := health.NewServer()
		h.SetServingStatus(fuzzHealthOther, notServing)
		if mode&crowded != 0 {
			for i := range 100 {
				h.SetServingStatus("svc."+strconv.Itoa(i), serving)
			}
		}
		if mode&setStatus != 0 && utf8.ValidString(service) {
			h.SetServingStatus(service, set)
		}
		if mode&shutdown != 0 {
			h.Shutdown()
		}
		// statuses is what the server should know, taken through the
		// API rather than from it: List over loopback would be the
		// server's own word.
		statuses := map[string]healthv1.HealthCheckResponse_ServingStatus{"": serving, fuzzHealthOther: notServing}
		if mode&crowded != 0 {
			for i := range 100 {
				statuses["svc."+strconv.Itoa(i)] = serving
			}
		}
		if mode&setStatus != 0 && utf8.ValidString(service) {
			statuses[service] = set
		}
		if mode&shutdown != 0 {
			for name := range statuses {
				statuses[name] = notServing
			}
		}

		var msg []byte
		if mode&nameInRequest != 0 {
			msg = protowire.AppendTag(msg, 1, protowire.BytesType)
			msg = protowire.AppendString(msg, service)
		}
		msg = append(msg, body...)

		before := runtime.NumGoroutine()
		srv := rpc.NewServer()
		healthv1.RegisterHealthServer(srv, h)
		conn := transporttest.NewConn(srv)
		cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
			return conn, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		raw := rpc.ForceCodec(rpctest.RawCodec{})

		switch method % 3 {
		case fuzzCheck, fuzzWatch:
			req := new(healthv1.HealthCheckRequest)
			decodeErr := proto.Unmarshal(msg, req)
			want, known := statuses[req.GetService()]
			if method%3 == fuzzCheck {
				var out []byte
				err := cc.Invoke(ctx, healthv1.Health_Check_FullMethodName, &msg, &out, raw)
				switch {
				case decodeErr != nil:
					wantCode(t, "Check with an undecodable request", err, codes.Internal)
				case !known:
					wantCode(t, "Check of "+strconv.Quote(req.GetService()), err, codes.NotFound)
				case err != nil:
					t.Fatalf("Check of %q: %v; want %v", req.GetService(), err, want)
				default:
					if got := decodeStatus(t, out); got != want {
						t.Fatalf("Check of %q answered %v, want %v", req.GetService(), got, want)
					}
				}
				break
			}
			if !known {
				want = serviceUnknown
			}
			watchCtx, cancelWatch := context.WithCancel(ctx)
			defer cancelWatch()
			stream, err := cc.NewStream(watchCtx, &healthv1.Health_ServiceDesc.Streams[0], healthv1.Health_Watch_FullMethodName, raw)
			if err != nil {
				t.Fatalf("Watch: %v", err)
			}
			if err := stream.SendMsg(&msg); err != nil {
				t.Fatalf("Watch: sending the request: %v", err)
			}
			stream.CloseSend()
			var out []byte
			err = stream.RecvMsg(&out)
			if decodeErr != nil {
				wantCode(t, "Watch with an undecodable request", err, codes.Internal)
				break
			}
			if err != nil {
				t.Fatalf("Watch of %q: %v; want %v first", req.GetService(), err, want)
			}
			if got := decodeStatus(t, out); got != want {
				t.Fatalf("Watch of %q sent %v first, want %v", req.GetService(), got, want)
			}
			if mode&shutdown == 0 {
				// The next status set reaches the watcher.
				next := serving
				if want == serving {
					next = notServing
				}
				h.SetServingStatus(req.GetService(), next)
				statuses[req.GetService()] = next
				if err := stream.RecvMsg(&out); err != nil {
					t.Fatalf("Watch of %q after a change to %v: %v", req.GetService(), next, err)
				}
				if got := decodeStatus(t, out); got != next {
					t.Fatalf("Watch of %q sent %v after a change to %v", req.GetService(), got, next)
				}
			}
			cancelWatch()
			wantCode(t, "Watch after cancelling", stream.RecvMsg(&out), codes.Canceled)

		case fuzzList:
			decodeErr := proto.Unmarshal(msg, new(healthv1.HealthListRequest))
			var out []byte
			err := cc.Invoke(ctx, healthv1.Health_List_FullMethodName, &msg, &out, raw)
			switch {
			case decodeErr != nil:
				wantCode(t, "List with an undecodable request", err, codes.Internal)
			case len(statuses) > 100:
				wantCode(t, "List of "+strconv.Itoa(len(statuses))+" statuses", err, codes.ResourceExhausted)
			case err != nil:
				t.Fatalf("List: %v", err)
			default:
				resp := new(healthv1.HealthListResponse)
				if err := proto.Unmarshal(out, resp); err != nil {
					t.Fatalf("List response does not decode: %v", err)
				}
				got := map[string]healthv1.HealthCheckResponse_ServingStatus{}
				for name, s := range resp.GetStatuses() {
					if len(s.ProtoReflect().GetUnknown()) > 0 {
						t.Fatalf("List response for %q has unknown fields", name)
					}
					got[name] = s.GetStatus()
				}
				if len(resp.ProtoReflect().GetUnknown()) > 0 || !maps.Equal(got, statuses) {
					t.Fatalf("List answered %v, want %v", resp, statuses)
				}
			}
		}

		// The server answers the next call.
		resp, err := healthv1.NewHealthClient(cc).Check(ctx, &healthv1.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != statuses[""] {
			t.Fatalf("Check after the fuzzed call: %v, %v; want %v", resp, err, statuses[""])
		}

		cc.Close()
		conn.Close() // waits for the handlers to return
		if n := h.Watchers(); n != 0 {
			t.Fatalf("%d Watch calls registered after the connection closed", n)
		}
		waitGoroutines(t, before)
	})
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code codes.Code) {
	t.Helper()
	if got := status.Code(err); got != code || err == io.EOF {
		t.Fatalf("%s: %v; want %v", what, err, code)
	}
}

// decodeStatus decodes a HealthCheckResponse and returns its status.
func decodeStatus(t *testing.T, b []byte) healthv1.HealthCheckResponse_ServingStatus {
	t.Helper()
	resp := new(healthv1.HealthCheckResponse)
	if err := proto.Unmarshal(b, resp); err != nil {
		t.Fatalf("response %x does not decode: %v", b, err)
	}
	if len(resp.ProtoReflect().GetUnknown()) > 0 {
		t.Fatalf("response %v has unknown fields", resp)
	}
	return resp.GetStatus()
}

// watchdog panics with every goroutine's stack if a fuzz input runs past
// d: a Watch stuck forever would otherwise hang the fuzzer silently. The
// stacks also go to a file in the temporary directory, as the fuzzing
// coordinator drops what its workers print.
func watchdog(d time.Duration) func() bool {
	t := time.AfterFunc(d, func() {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		os.WriteFile(filepath.Join(os.TempDir(), "health-fuzz-hang-"+strconv.Itoa(os.Getpid())+".txt"), buf, 0o644)
		os.Stderr.Write(buf)
		panic("fuzz input still running after " + d.String())
	})
	return t.Stop
}
