package interop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The peers are built once, by TestMain, from the module graph: grpc-go's
// interop client and server and the conformance runner without -race (they
// are not under test, and a race build of grpc-go's xDS dependencies costs
// minutes), and this module's commands with -race when the tests run with
// it, so that a data race in the rpc or transport code under real traffic
// fails the test that caused it.
var (
	peerPkgs = map[string]string{
		"grpc-interop-server": "google.golang.org/grpc/interop/server",
		"grpc-interop-client": "google.golang.org/grpc/interop/client",
		"connectconformance":  "connectrpc.com/conformance/cmd/connectconformance",
	}
	ourPkgs = []string{"interop-server", "interop-client", "conformance-server", "conformance-client"}

	binDir   string
	buildErr error
	// raceDir collects the race reports of our commands (GORACE log_path).
	raceDir string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shockwave-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir, raceDir = dir, filepath.Join(dir, "race")
	buildErr = buildAll(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildAll builds the peers and our commands into dir, with two go build
// invocations running side by side.
func buildAll(dir string) error {
	var wg sync.WaitGroup
	var peerErr, ourErr error
	wg.Go(func() {
		args := []string{"build", "-o", filepath.Join(dir, "peers") + string(filepath.Separator)}
		for _, pkg := range peerPkgs {
			args = append(args, pkg)
		}
		peerErr = goBuild("peers", args)
	})
	wg.Go(func() {
		args := []string{"build"}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "-o", filepath.Join(dir, "ours")+string(filepath.Separator))
		for _, name := range ourPkgs {
			args = append(args, "./cmd/"+name)
		}
		ourErr = goBuild("ours", args)
	})
	wg.Wait()
	if peerErr != nil {
		return peerErr
	}
	if ourErr != nil {
		return ourErr
	}
	if err := os.MkdirAll(raceDir, 0o755); err != nil {
		return err
	}
	for name, pkg := range peerPkgs {
		// go build names a binary after the last element of its path.
		if err := os.Rename(filepath.Join(dir, "peers", filepath.Base(pkg)), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for _, name := range ourPkgs {
		if err := os.Rename(filepath.Join(dir, "ours", name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

var buildTimes sync.Map

func goBuild(what string, args []string) error {
	start := time.Now()
	cmd := exec.Command("go", args...)
	out, err := cmd.CombinedOutput()
	buildTimes.Store(what, time.Since(start))
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// bin returns the path of a built command; a test fails, never skips, when
// the peers could not be built.
func bin(t *testing.T, name string) string {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building the interop peers failed: %v", buildErr)
	}
	return filepath.Join(binDir, name)
}

func TestBuildTimes(t *testing.T) {
	bin(t, "interop-server")
	for _, what := range []string{"peers", "ours"} {
		d, _ := buildTimes.Load(what)
		t.Logf("go build (%s): %v", what, d.(time.Duration).Round(time.Millisecond))
	}
}

// ourEnv sends our commands' race reports to raceDir, and spares each
// race-built process the race runtime's default second of sleep at exit.
func ourEnv() []string {
	return append(os.Environ(), "GORACE=atexit_sleep_ms=0 log_path="+filepath.Join(raceDir, "report"))
}

// checkRaces fails t if any of our commands reported a data race.
func checkRaces(t *testing.T) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(raceDir, "report*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Errorf("data race reported by one of our commands (%s):\n%s", filepath.Base(f), b)
		os.Remove(f)
	}
}

// server is a running server process.
type server struct {
	port int
	cmd  *exec.Cmd
	out  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServer starts a server command and waits for the line that gives
// its port, found by portRE in the stream the server prints it on. The
// server is stopped with SIGTERM when the test ends.
func startServer(t *testing.T, path string, args []string, env []string, fromStderr bool, portRE *regexp.Regexp) *server {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = env
	s := &server{cmd: cmd, out: new(syncBuffer)}
	pr, pw := io.Pipe()
	if fromStderr {
		cmd.Stdout = s.out
		cmd.Stderr = io.MultiWriter(s.out, pw)
	} else {
		cmd.Stdout = io.MultiWriter(s.out, pw)
		cmd.Stderr = s.out
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", filepath.Base(path), err)
	}
	portc := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := portRE.FindStringSubmatch(sc.Text()); m != nil {
				p, _ := strconv.Atoi(m[1])
				portc <- p
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		pw.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("%s did not stop within 10s of SIGTERM; output:\n%s", filepath.Base(path), s.out)
		}
	})
	select {
	case s.port = <-portc:
	case <-exited:
		t.Fatalf("%s exited: %v\n%s", filepath.Base(path), cmd.ProcessState, s.out)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no port within 30s:\n%s", filepath.Base(path), s.out)
	}
	return s
}

var (
	ourPortRE  = regexp.MustCompile(`^listening on port (\d+)$`)
	grpcPortRE = regexp.MustCompile(`interop server listening on .*:(\d+)$`)
)

// startOurServer starts our interop server, serving h2c and TLS on one
// port.
func startOurServer(t *testing.T) *server {
	return startServer(t, bin(t, "interop-server"), []string{"--host=127.0.0.1", "--port=0", "--use_tls"}, ourEnv(), false, ourPortRE)
}

// startGRPCServer starts grpc-go's interop server, which serves either h2c
// or TLS; it logs its port at the info level.
func startGRPCServer(t *testing.T, useTLS bool) *server {
	args := []string{"--port=0"}
	if useTLS {
		args = append(args, "--use_tls")
	}
	return startServer(t, bin(t, "grpc-interop-server"), args, append(os.Environ(), "GRPC_GO_LOG_SEVERITY_LEVEL=info"), true, grpcPortRE)
}

// clientArgs are the interop client flags, the same for grpc-go's and
// ours. The soak limits are looser than the defaults (10 iterations, 1s
// each, 10s overall) so that a loaded 2-core CI machine running race
// builds does not fail them; the iteration count stays small.
func clientArgs(port int, useTLS bool, testCase string) []string {
	args := []string{
		"--server_host=127.0.0.1",
		"--server_port=" + strconv.Itoa(port),
		"--test_case=" + testCase,
		"--soak_iterations=10",
		"--soak_per_iteration_max_acceptable_latency_ms=5000",
		"--soak_overall_timeout_seconds=60",
	}
	if useTLS {
		args = append(args, "--use_tls", "--use_test_ca", "--server_host_override=foo.test.google.fr")
	}
	return args
}

// runClient runs one interop case and reports whether it passed.
func runClient(t *testing.T, path string, env []string, args []string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Errorf("%s %s timed out after 90s:\n%s", filepath.Base(path), strings.Join(args, " "), out)
		return false
	}
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
		return false
	}
	return true
}

var transports = []struct {
	name string
	tls  bool
}{{"h2c", false}, {"tls", true}}

// TestGRPCGoClientToOurServer runs grpc-go's interop client against our
// server: the 14 core cases and the two soak cases, over h2c and TLS.
// grpc-go's client has no compression cases (v1.85.0 lists none), so
// those run with our client below.
func TestGRPCGoClientToOurServer(t *testing.T) {
	srv := startOurServer(t)
	client := bin(t, "grpc-interop-client")
	cases := append(append([]string(nil), CoreCases...), SoakCases...)
	passed, total := 0, 0
	for _, tr := range transports {
		for _, c := range cases {
			t.Run(tr.name+"/"+c, func(t *testing.T) {
				total++
				if runClient(t, client, os.Environ(), clientArgs(srv.port, tr.tls, c)) {
					passed++
				}
			})
		}
	}
	t.Logf("grpc-go interop client -> Shockwave interop server: %d/%d cases passed", passed, total)
	checkRaces(t)
}

// TestOurClientToGRPCGoServer runs our interop client against grpc-go's
// interop server: the core and soak cases over h2c and TLS. The
// compression cases are not among them: grpc-go's server ignores
// response_compressed and expect_compressed (its handlers never look at
// them), so their assertions cannot hold against it; the test logs what
// they report.
func TestOurClientToGRPCGoServer(t *testing.T) {
	client := bin(t, "interop-client")
	cases := append(append([]string(nil), CoreCases...), SoakCases...)
	passed, total := 0, 0
	for _, tr := range transports {
		srv := startGRPCServer(t, tr.tls)
		for _, c := range cases {
			t.Run(tr.name+"/"+c, func(t *testing.T) {
				total++
				if runClient(t, client, ourEnv(), clientArgs(srv.port, tr.tls, c)) {
					passed++
				}
			})
		}
		if tr.tls {
			continue
		}
		for _, c := range CompressionCases {
			out, err := exec.Command(client, clientArgs(srv.port, false, c)...).CombinedOutput()
			t.Logf("%s against grpc-go's server (expected to fail: it ignores compression requests): err=%v: %s", c, err, bytes.TrimSpace(out))
		}
	}
	t.Logf("Shockwave interop client -> grpc-go interop server: %d/%d cases passed", passed, total)
	checkRaces(t)
}

// TestOurClientToOurServer runs every case of our client against our
// server, the compression cases included, over h2c and TLS.
func TestOurClientToOurServer(t *testing.T) {
	srv := startOurServer(t)
	client := bin(t, "interop-client")
	cases := append(append(append([]string(nil), CoreCases...), SoakCases...), CompressionCases...)
	passed, total := 0, 0
	for _, tr := range transports {
		for _, c := range cases {
			t.Run(tr.name+"/"+c, func(t *testing.T) {
				total++
				if runClient(t, client, ourEnv(), clientArgs(srv.port, tr.tls, c)) {
					passed++
				}
			})
		}
	}
	t.Logf("Shockwave interop client -> Shockwave interop server: %d/%d cases passed", passed, total)
	checkRaces(t)
}

// The case counts the runner computes from conformance/grpc-h2.yaml; the
// reference implementations see the same (shared/PEERS.md). A change of
// configuration or suite version that changes them must update these.
const (
	conformanceServerCases = 876
	conformanceClientCases = 1052
)

func TestConformanceServer(t *testing.T) {
	runConformance(t, "server", bin(t, "conformance-server"), conformanceServerCases)
}

func TestConformanceClient(t *testing.T) {
	runConformance(t, "client", bin(t, "conformance-client"), conformanceClientCases)
}

var conformanceTotalRE = regexp.MustCompile(`(?m)^Total cases: (\d+)\n(\d+) passed, (\d+) failed`)

// runConformance runs connectconformance in mode against impl and checks
// that every case ran and passed; none is listed as known to fail.
func runConformance(t *testing.T, mode, impl string, wantCases int) {
	runner := bin(t, "connectconformance")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runner, "--mode", mode, "--conf", filepath.Join("conformance", "grpc-h2.yaml"), "--", impl)
	cmd.Env = ourEnv()
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start).Round(time.Millisecond)
	m := conformanceTotalRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("connectconformance --mode %s: %v; no totals in its output:\n%s", mode, err, out)
	}
	total, _ := strconv.Atoi(string(m[1]))
	passed, _ := strconv.Atoi(string(m[2]))
	failed, _ := strconv.Atoi(string(m[3]))
	t.Logf("connectconformance --mode %s: %d/%d cases passed, %d failed (%v)", mode, passed, total, failed, elapsed)
	if failed > 0 || err != nil {
		t.Errorf("connectconformance --mode %s: %d of %d cases failed (exit: %v):\n%s", mode, failed, total, err, failures(out))
	}
	if total != wantCases {
		t.Errorf("connectconformance --mode %s ran %d cases, want %d: the configuration or the suite changed", mode, total, wantCases)
	}
	checkRaces(t)
}

// failures keeps the FAILED entries of the runner's output.
func failures(out []byte) string {
	var b strings.Builder
	keep := false
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "FAILED:"):
			keep = true
		case !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " "):
			keep = false
		}
		if keep {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
