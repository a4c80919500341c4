//go:build peers

package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkGRPCLoad drives gRPC interop servers, each in its own process,
// with h2load posting grpc.testing.TestService calls:
//
//	h2load -n 60000 -c 8 -m 16 -t 1 -d body.bin \
//	    -H 'content-type: application/grpc' -H 'te: trailers' \
//	    http://127.0.0.1:PORT/grpc.testing.TestService/METHOD
//
// for EmptyCall (body 00 00 00 00 00) and UnaryCall (a SimpleRequest with
// a 100-byte payload asking for a 100-byte response), and reports
// requests per second. The servers:
//
//	impl=shockwave        interop/cmd/interop-server, as the interop tests
//	                      run it (its wiretap checks expect_compressed)
//	impl=shockwave-notap  the same with --wiretap=false: rpc.Server.Serve
//	                      alone, the way an application serves
//	impl=grpcgo           google.golang.org/grpc/interop/server, built
//	                      from the interop module's graph
//
// h2load counts any HTTP 200 as a success, so each run also checks that
// every response carried its message (the DATA bytes h2load counted),
// which a call failing with a gRPC status would not, and a probe with
// nghttp before the load checks for grpc-status 0 in the trailers. Needs
// h2load and nghttp (`make peers`). Run each several times, alternating:
//
//	go test -tags peers -run '^$' -bench GRPCLoad -benchtime 1x -count 5 . |
//	    tee /tmp/grpc-load.txt; benchstat -col /impl /tmp/grpc-load.txt
func BenchmarkGRPCLoad(b *testing.B) {
	h2load, err := exec.LookPath("h2load")
	if err != nil {
		b.Fatalf("h2load not found in PATH (run `make peers`): %v", err)
	}
	nghttp, err := exec.LookPath("nghttp")
	if err != nil {
		b.Fatalf("nghttp not found in PATH (run `make peers`): %v", err)
	}
	bins := grpcLoadBinaries(b)
	dir := b.TempDir()
	calls := []struct {
		method string
		body   []byte
		resp   int // response message size, envelope included
	}{
		{"EmptyCall", []byte{0, 0, 0, 0, 0}, 5},
		{"UnaryCall", grpcLoadUnaryRequest(100, 100), 5 + 104},
	}
	for _, call := range calls {
		body := filepath.Join(dir, call.method+".bin")
		if err := os.WriteFile(body, call.body, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run("method="+call.method, func(b *testing.B) {
			for _, impl := range []struct{ name, bin string }{
				{"shockwave", bins.shockwave},
				{"shockwave-notap", bins.shockwave},
				{"grpcgo", bins.grpcgo},
			} {
				b.Run("impl="+impl.name, func(b *testing.B) {
					port := freePort(b)
					args := []string{"--port=" + strconv.Itoa(port)}
					if impl.name == "shockwave-notap" {
						args = append(args, "--wiretap=false")
					}
					addr := startGRPCServer(b, impl.bin, port, args...)
					url := "http://" + addr + "/grpc.testing.TestService/" + call.method
					grpcProbe(b, nghttp, url, body)
					b.ResetTimer()
					var total float64
					for i := 0; i < b.N; i++ {
						total += h2loadGRPC(b, h2load, url, body, call.resp)
					}
					b.ReportMetric(total/float64(b.N), "req/s")
				})
			}
		})
	}
}

type grpcLoadBins struct{ shockwave, grpcgo string }

var (
	grpcLoadOnce sync.Once
	grpcLoadBin  grpcLoadBins
	grpcLoadErr  error
)

// grpcLoadBinaries builds both interop servers once per test binary, in
// the interop module (grpc-go's interop server needs its dependencies).
func grpcLoadBinaries(b *testing.B) grpcLoadBins {
	grpcLoadOnce.Do(func() {
		dir, err := os.MkdirTemp("", "grpc-load")
		if err != nil {
			grpcLoadErr = err
			return
		}
		grpcLoadBin = grpcLoadBins{filepath.Join(dir, "sw-interop-server"), filepath.Join(dir, "grpc-interop-server")}
		for _, t := range [][2]string{
			{grpcLoadBin.shockwave, "./cmd/interop-server"},
			{grpcLoadBin.grpcgo, "google.golang.org/grpc/interop/server"},
		} {
			build := exec.Command("go", "build", "-o", t[0], t[1])
			build.Dir = "../interop"
			if out, err := build.CombinedOutput(); err != nil {
				grpcLoadErr = &buildError{t[1], err, out}
				return
			}
		}
	})
	if grpcLoadErr != nil {
		b.Fatal(grpcLoadErr)
	}
	return grpcLoadBin
}

type buildError struct {
	pkg string
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "build " + e.pkg + ": " + e.err.Error() + "\n" + string(e.out)
}

// grpcLoadUnaryRequest is a gRPC-framed grpc.testing.SimpleRequest with
// response_size and a payload body of size zero bytes.
func grpcLoadUnaryRequest(respSize, size int) []byte {
	payload := binary.AppendUvarint([]byte{0x12}, uint64(size)) // Payload.body
	payload = append(payload, make([]byte, size)...)
	msg := binary.AppendUvarint([]byte{0x10}, uint64(respSize)) // response_size
	msg = append(msg, 0x1a)                                     // payload
	msg = binary.AppendUvarint(msg, uint64(len(payload)))
	msg = append(msg, payload...)
	return append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg))), msg...)
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startGRPCServer runs an interop server on port until the benchmark ends
// and returns its address once it accepts connections.
func startGRPCServer(b *testing.B, bin string, port int, args ...string) string {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	b.Fatalf("%s did not listen on %s:\n%s", bin, addr, out.Bytes())
	return ""
}

var grpcStatusRE = regexp.MustCompile(`grpc-status: (\d+)`)

// grpcProbe makes one call with nghttp and checks that it ends with
// grpc-status 0.
func grpcProbe(b *testing.B, nghttp, url, body string) {
	out, err := exec.Command(nghttp, "-v", "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", url).CombinedOutput()
	if err != nil {
		b.Fatalf("nghttp: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := grpcStatusRE.FindSubmatch(sc.Bytes()); m != nil {
			if string(m[1]) != "0" {
				b.Fatalf("%s: grpc-status %s", url, m[1])
			}
			return
		}
	}
	b.Fatalf("%s: no grpc-status in the response:\n%s", url, out)
}

var (
	h2loadData    = regexp.MustCompile(`traffic: .*, [\d.]+[KMG]?B \((\d+)\) data`)
	h2loadErrored = regexp.MustCompile(`(\d+) errored, (\d+) timeout`)
)

// h2loadGRPC runs the load and returns requests per second, failing the
// benchmark unless every request succeeded with a response message of
// respSize bytes.
func h2loadGRPC(b *testing.B, h2load, url, body string, respSize int) float64 {
	const n = 60000
	out, err := exec.Command(h2load, "-n", strconv.Itoa(n), "-c", "8", "-m", "16", "-t", "1",
		"-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", url).CombinedOutput()
	if err != nil {
		b.Fatalf("h2load: %v\n%s", err, out)
	}
	ok := h2loadOK.FindSubmatch(out)
	rate := h2loadRate.FindSubmatch(out)
	data := h2loadData.FindSubmatch(out)
	errored := h2loadErrored.FindSubmatch(out)
	if ok == nil || rate == nil || data == nil || errored == nil || string(ok[2]) != strconv.Itoa(n) ||
		string(ok[3]) != "0" || string(errored[1]) != "0" || string(errored[2]) != "0" {
		b.Fatalf("h2load failed requests:\n%s", out)
	}
	if string(data[1]) != strconv.Itoa(n*respSize) {
		b.Fatalf("h2load: %s bytes of responses, want %d (%d messages of %d): some calls failed\n%s", data[1], n*respSize, n, respSize, out)
	}
	r, _ := strconv.ParseFloat(string(rate[1]), 64)
	return r
}
