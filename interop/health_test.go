package interop

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // grpc-go's client-side health checking
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// rpc/health against real peers: grpc-go's health client and its
// client-side health checking, and grpc-health-probe.
//
// Our health server runs in a process of its own, built from
// healthServerSrc. It cannot run in this test binary: rpc/health's
// messages and grpc-go's grpc_health_v1 both register grpc.health.v1 in
// protobuf's global registry, and a binary linking both panics at start-up.
// The program is written into the module through a go build -overlay, so
// that it builds with this module's go.mod and nothing is written into the
// source tree.

// healthServerSrc serves rpc/health on 127.0.0.1:0, h2c and TLS (the
// embedded test certificate) on one port, prints the port, then obeys one
// command a line on stdin and answers each with "ok":
//
//	set SERVICE STATUS   SetServingStatus; SERVICE "-" is ""
//	shutdown, resume     Shutdown, Resume
//	stop                 rpc.Server.Stop
//
// It stops its server and exits at the end of stdin.
const healthServerSrc = `package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
	"strings"

	"github.com/shockwave-rpc/shockwave/interop"
	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("health-server: ")
	tlsConf, err := interop.ServerTLSConfig("", "")
	if err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := rpc.NewServer(rpc.TLSConfig(tlsConf))
	h := health.NewServer()
	healthv1.RegisterHealthServer(srv, h)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	fmt.Printf("listening on port %d\n", lis.Addr().(*net.TCPAddr).Port)

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "set":
			st, ok := healthv1.HealthCheckResponse_ServingStatus_value[f[2]]
			if !ok {
				fmt.Println("error: no status", f[2])
				continue
			}
			service := f[1]
			if service == "-" {
				service = ""
			}
			h.SetServingStatus(service, healthv1.HealthCheckResponse_ServingStatus(st))
		case len(f) == 1 && f[0] == "shutdown":
			h.Shutdown()
		case len(f) == 1 && f[0] == "resume":
			h.Resume()
		case len(f) == 1 && f[0] == "stop":
			srv.Stop()
		default:
			fmt.Printf("error: unknown command %q\n", sc.Text())
			continue
		}
		fmt.Println("ok")
	}
	srv.Stop()
	if err := <-served; err != nil {
		log.Fatal(err)
	}
}
`

var (
	healthBuildOnce sync.Once
	healthBinDir    string
	healthBuildErr  error
)

// healthBin returns the path of health-server or grpc-health-probe, built
// once. A test fails, never skips, when they cannot be built.
func healthBin(t *testing.T, name string) string {
	t.Helper()
	healthBuildOnce.Do(func() { healthBinDir, healthBuildErr = buildHealthPeers() })
	if healthBuildErr != nil {
		t.Fatalf("building the health peers failed: %v", healthBuildErr)
	}
	return filepath.Join(healthBinDir, name)
}

// buildHealthPeers builds grpc-health-probe from the module graph (without
// -race: it is not under test) and health-server from healthServerSrc
// (with -race when the tests have it), side by side.
func buildHealthPeers() (string, error) {
	dir := filepath.Join(binDir, "health")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	// A package directory that does not exist: the overlay makes it.
	pkgDir := filepath.Join(wd, "internal", "healthtestserver")
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(healthServerSrc), 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkgDir, "main.go"): src}})
	if err != nil {
		return "", err
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return "", err
	}

	var wg sync.WaitGroup
	var probeErr, serverErr error
	wg.Go(func() {
		probeErr = goBuild("grpc-health-probe", []string{"build", "-o", filepath.Join(dir, "grpc-health-probe"), "github.com/grpc-ecosystem/grpc-health-probe"})
	})
	wg.Go(func() {
		args := []string{"build", "-overlay", overlayFile}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "-o", filepath.Join(dir, "health-server"), "./internal/healthtestserver")
		serverErr = goBuild("health-server", args)
	})
	wg.Wait()
	return dir, errors.Join(probeErr, serverErr)
}

// healthServer is a running health-server process.
type healthServer struct {
	addr  string
	stdin io.WriteCloser
	lines chan string // stdout after the port line
	out   *syncBuffer // stderr and stdout, for failure messages
}

// startHealthServer starts health-server; the test's cleanup closes its
// stdin, waits for it to exit, and checks it for data races.
func startHealthServer(t *testing.T) *healthServer {
	t.Helper()
	cmd := exec.Command(healthBin(t, "health-server"))
	cmd.Env = ourEnv()
	s := &healthServer{lines: make(chan string, 16), out: new(syncBuffer)}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.stdin = stdin
	// Through an io.Pipe rather than StdoutPipe, so that Wait waits for
	// the last line to be copied.
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting health-server: %v", err)
	}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			fmt.Fprintln(s.out, sc.Text())
			s.lines <- sc.Text()
		}
		io.Copy(io.Discard, pr)
	}()
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		exited <- err
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("health-server: %v\n%s", err, s.out)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Signal(syscall.SIGQUIT)
			<-exited
			t.Errorf("health-server did not exit within 10s of the end of its input:\n%s", s.out)
		}
		checkRaces(t)
	})
	port, err := strconv.Atoi(strings.TrimPrefix(s.line(t), "listening on port "))
	if err != nil {
		t.Fatalf("health-server printed no port: %v\n%s", err, s.out)
	}
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	return s
}

func (s *healthServer) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			t.Fatalf("health-server exited:\n%s", s.out)
		}
		return l
	case <-time.After(30 * time.Second):
		t.Fatalf("health-server said nothing for 30s:\n%s", s.out)
	}
	return ""
}

// do runs one command; it has taken effect when do returns.
func (s *healthServer) do(t *testing.T, command string) {
	t.Helper()
	if _, err := io.WriteString(s.stdin, command+"\n"); err != nil {
		t.Fatalf("health-server %s: %v", command, err)
	}
	if l := s.line(t); l != "ok" {
		t.Fatalf("health-server %s: %s", command, l)
	}
}

// grpcConn dials s with grpc-go, over h2c or TLS with the test CA.
func grpcConn(t *testing.T, s *healthServer, useTLS bool, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	creds := insecure.NewCredentials()
	if useTLS {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(testCA)
		creds = credentials.NewClientTLSFromCert(pool, "foo.test.google.fr")
	}
	cc, err := grpc.NewClient(s.addr, append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func recvStatus(t *testing.T, w healthpb.Health_WatchClient, want healthpb.HealthCheckResponse_ServingStatus) {
	t.Helper()
	resp, err := w.Recv()
	if err != nil {
		t.Fatalf("Watch Recv: %v; want %v", err, want)
	}
	if resp.GetStatus() != want {
		t.Fatalf("Watch sent %v, want %v", resp.GetStatus(), want)
	}
}

// TestHealthGRPCGoClient calls our health server with grpc-go's generated
// Health client: Check, List and Watch through status changes, Shutdown
// and Resume, a cancelled Watch and a server that stops, over h2c and TLS.
func TestHealthGRPCGoClient(t *testing.T) {
	const (
		serving        = healthpb.HealthCheckResponse_SERVING
		notServing     = healthpb.HealthCheckResponse_NOT_SERVING
		serviceUnknown = healthpb.HealthCheckResponse_SERVICE_UNKNOWN
	)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := startHealthServer(t)
			client := healthpb.NewHealthClient(grpcConn(t, s, tr.tls))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			check := func(service string, want healthpb.HealthCheckResponse_ServingStatus) {
				t.Helper()
				resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
				if err != nil {
					t.Fatalf("Check(%q): %v", service, err)
				}
				if resp.GetStatus() != want {
					t.Errorf("Check(%q): %v, want %v", service, resp.GetStatus(), want)
				}
			}

			check("", serving)
			_, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "unknown"})
			if status.Code(err) != codes.NotFound {
				t.Errorf("Check of an unknown service: %v, want NotFound", err)
			}
			s.do(t, "set a SERVING")
			s.do(t, "set b NOT_SERVING")
			check("a", serving)
			check("b", notServing)

			list, err := client.List(ctx, &healthpb.HealthListRequest{})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			wantList := &healthpb.HealthListResponse{Statuses: map[string]*healthpb.HealthCheckResponse{
				"": {Status: serving}, "a": {Status: serving}, "b": {Status: notServing},
			}}
			if !proto.Equal(list, wantList) {
				t.Errorf("List: %v, want %v", list, wantList)
			}

			watchA, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: "a"})
			if err != nil {
				t.Fatal(err)
			}
			recvStatus(t, watchA, serving)
			cctx, cancelC := context.WithCancel(ctx)
			watchC, err := client.Watch(cctx, &healthpb.HealthCheckRequest{Service: "c"})
			if err != nil {
				t.Fatal(err)
			}
			recvStatus(t, watchC, serviceUnknown)
			for _, st := range []string{"NOT_SERVING", "SERVING", "NOT_SERVING", "SERVING"} {
				s.do(t, "set a "+st)
				recvStatus(t, watchA, healthpb.HealthCheckResponse_ServingStatus(healthpb.HealthCheckResponse_ServingStatus_value[st]))
			}
			s.do(t, "set c SERVING")
			recvStatus(t, watchC, serving)

			s.do(t, "shutdown")
			recvStatus(t, watchA, notServing)
			recvStatus(t, watchC, notServing)
			check("", notServing)
			s.do(t, "resume")
			recvStatus(t, watchA, serving)
			recvStatus(t, watchC, serving)
			check("", serving)

			cancelC()
			if _, err := watchC.Recv(); status.Code(err) != codes.Canceled {
				t.Errorf("Watch Recv after cancel: %v, want Canceled", err)
			}

			// 100 statuses is the most List answers; 101 is RESOURCE_EXHAUSTED.
			for i := 4; i < 100; i++ {
				s.do(t, fmt.Sprintf("set s%d SERVING", i))
			}
			if list, err := client.List(ctx, &healthpb.HealthListRequest{}); err != nil || len(list.GetStatuses()) != 100 {
				t.Errorf("List of 100: %d statuses, %v", len(list.GetStatuses()), err)
			}
			s.do(t, "set s100 SERVING")
			if _, err := client.List(ctx, &healthpb.HealthListRequest{}); status.Code(err) != codes.ResourceExhausted {
				t.Errorf("List of 101: %v, want ResourceExhausted", err)
			}

			// Stop ends the open Watch: the connection closes and the call
			// fails UNAVAILABLE rather than hang.
			s.do(t, "stop")
			_, err = watchA.Recv()
			if status.Code(err) != codes.Unavailable {
				t.Errorf("Watch Recv after the server stopped: %v, want Unavailable", err)
			}
			t.Logf("grpc-go Watch after our server stopped: %v", err)
		})
	}
}

// TestHealthGRPCGoClientSideChecking uses our server from a grpc-go channel
// with client-side health checking, which watches a service on every
// subchannel and sends calls only while it is SERVING.
func TestHealthGRPCGoClientSideChecking(t *testing.T) {
	s := startHealthServer(t)
	s.do(t, "set app NOT_SERVING")
	cc := grpcConn(t, s, false, grpc.WithDefaultServiceConfig(`{
		"loadBalancingConfig": [{"round_robin": {}}],
		"healthCheckConfig": {"serviceName": "app"}
	}`))
	client := healthpb.NewHealthClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Until the channel has heard NOT_SERVING, a wait-for-ready call
	// blocks; once it has, a fail-fast call fails UNAVAILABLE.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
		if status.Code(err) == codes.Unavailable {
			t.Logf("grpc-go with app NOT_SERVING: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls still go through 30s after app became NOT_SERVING: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.do(t, "set app SERVING")
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("call after app became SERVING: %v", err)
	}
	s.do(t, "shutdown")
	deadline = time.Now().Add(30 * time.Second)
	for {
		_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
		if status.Code(err) == codes.Unavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls still go through 30s after Shutdown: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHealthProbe runs grpc-health-probe against our server: exit 0 for
// SERVING, 4 for NOT_SERVING, 3 for an unknown service (NOT_FOUND), over
// h2c, TLS and with gzip.
func TestHealthProbe(t *testing.T) {
	probe := healthBin(t, "grpc-health-probe")
	s := startHealthServer(t)
	run := func(want int, args ...string) {
		t.Helper()
		args = append([]string{"-addr=" + s.addr, "-connect-timeout=10s", "-rpc-timeout=10s"}, args...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, probe, args...).CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("grpc-health-probe %s: %v", strings.Join(args, " "), err)
		}
		t.Logf("grpc-health-probe %s: exit %d: %s", strings.Join(args[1:], " "), code, strings.TrimSpace(string(out)))
		if code != want {
			t.Errorf("grpc-health-probe %s: exit %d, want %d", strings.Join(args, " "), code, want)
		}
	}
	tlsArgs := []string{"-tls", "-tls-ca-cert=" + filepath.Join("testdata", "ca.pem"), "-tls-server-name=foo.test.google.fr"}

	run(0)
	run(0, tlsArgs...)
	run(0, "-gzip")
	s.do(t, "set app SERVING")
	run(0, "-service=app")
	s.do(t, "set app NOT_SERVING")
	run(4, "-service=app")
	run(4, append([]string{"-service=app"}, tlsArgs...)...)
	run(3, "-service=unknown")
	s.do(t, "set - NOT_SERVING")
	run(4)
	s.do(t, "set - SERVING")
	run(0)
	s.do(t, "shutdown")
	run(4)
	s.do(t, "resume")
	run(0, "-service=app")
}
