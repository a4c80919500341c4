package interop

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/health"
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
// client-side health checking, in this test binary, and
// grpc-health-probe.
//
// Our health server runs in this process, beside grpc-go's
// grpc_health_v1: proto/grpc/health/v1 registers grpc.health.v1 in a
// private registry, so the two generated packages share a binary
// (coexist_test.go checks that in detail).

var (
	probeBuildOnce sync.Once
	probePath      string
	probeBuildErr  error
)

// probeBin returns the path of grpc-health-probe, built once from the
// module graph (without -race: it is not under test). A test fails, never
// skips, when it cannot be built.
func probeBin(t *testing.T) string {
	t.Helper()
	probeBuildOnce.Do(func() {
		probePath = filepath.Join(binDir, "grpc-health-probe")
		probeBuildErr = goBuild("grpc-health-probe", []string{"build", "-o", probePath, "github.com/grpc-ecosystem/grpc-health-probe"})
	})
	if probeBuildErr != nil {
		t.Fatalf("building grpc-health-probe failed: %v", probeBuildErr)
	}
	return probePath
}

// healthServer is rpc/health on our server, serving h2c and TLS (the
// embedded test certificate) on one port of 127.0.0.1.
type healthServer struct {
	addr string
	srv  *rpc.Server
	h    *health.Server
}

// startHealthServer starts a healthServer; the test's cleanup stops it.
func startHealthServer(t *testing.T) *healthServer {
	t.Helper()
	tlsConf, err := ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	s := &healthServer{srv: rpc.NewServer(rpc.TLSConfig(tlsConf)), h: health.NewServer()}
	healthv1.RegisterHealthServer(s.srv, s.h)
	s.addr = serveInProcess(t, s.srv.Serve, s.srv.Stop)
	return s
}

// set gives service the status st, named by grpc-go's enum, whose numbers
// are ours.
func (s *healthServer) set(service string, st healthpb.HealthCheckResponse_ServingStatus) {
	s.h.SetServingStatus(service, healthv1.HealthCheckResponse_ServingStatus(st))
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

// healthCheckedClient dials s with grpc-go's client-side health checking
// of service "app" (round robin, so the check gates each subchannel).
func healthCheckedClient(t *testing.T, s *healthServer) healthpb.HealthClient {
	t.Helper()
	return healthpb.NewHealthClient(grpcConn(t, s, false, grpc.WithDefaultServiceConfig(`{
		"loadBalancingConfig": [{"round_robin": {}}],
		"healthCheckConfig": {"serviceName": "app"}
	}`)))
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
			s.set("a", serving)
			s.set("b", notServing)
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
			for _, st := range []healthpb.HealthCheckResponse_ServingStatus{notServing, serving, notServing, serving} {
				s.set("a", st)
				recvStatus(t, watchA, st)
			}
			s.set("c", serving)
			recvStatus(t, watchC, serving)

			s.h.Shutdown()
			recvStatus(t, watchA, notServing)
			recvStatus(t, watchC, notServing)
			check("", notServing)
			s.h.Resume()
			recvStatus(t, watchA, serving)
			recvStatus(t, watchC, serving)
			check("", serving)

			cancelC()
			if _, err := watchC.Recv(); status.Code(err) != codes.Canceled {
				t.Errorf("Watch Recv after cancel: %v, want Canceled", err)
			}

			// 100 statuses is the most List answers; 101 is RESOURCE_EXHAUSTED.
			for i := 4; i < 100; i++ {
				s.set(fmt.Sprintf("s%d", i), serving)
			}
			if list, err := client.List(ctx, &healthpb.HealthListRequest{}); err != nil || len(list.GetStatuses()) != 100 {
				t.Errorf("List of 100: %d statuses, %v", len(list.GetStatuses()), err)
			}
			s.set("s100", serving)
			if _, err := client.List(ctx, &healthpb.HealthListRequest{}); status.Code(err) != codes.ResourceExhausted {
				t.Errorf("List of 101: %v, want ResourceExhausted", err)
			}

			// Stop ends the open Watch: the connection closes and the call
			// fails UNAVAILABLE rather than hang.
			s.srv.Stop()
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
	s.set("app", healthpb.HealthCheckResponse_NOT_SERVING)
	client := healthCheckedClient(t, s)
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
	s.set("app", healthpb.HealthCheckResponse_SERVING)
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("call after app became SERVING: %v", err)
	}
	s.h.Shutdown()
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

// GracefulStop with grpc-go clients watching our health server: a Watch
// made with grpc-go's generated client (as in grpc-go issues 8776 and
// 8882, where grpc-go's health server keeps it open and GracefulStop
// waits for the client) hears NOT_SERVING and then ends UNAVAILABLE, and
// GracefulStop returns at once. A channel with client-side health
// checking, whose own Watch grpc-go ends when the connection goes away,
// then fails its calls fast.
func TestHealthGRPCGoGracefulStop(t *testing.T) {
	s := startHealthServer(t)
	s.set("app", healthpb.HealthCheckResponse_SERVING)
	checkedClient := healthCheckedClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// READY, so the channel's own health Watch is open and heard SERVING.
	if _, err := checkedClient.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("call with app SERVING: %v", err)
	}
	w, err := healthpb.NewHealthClient(grpcConn(t, s, false)).Watch(ctx, &healthpb.HealthCheckRequest{Service: "app"})
	if err != nil {
		t.Fatal(err)
	}
	recvStatus(t, w, healthpb.HealthCheckResponse_SERVING)

	s.h.Shutdown()
	stopped := make(chan struct{})
	start := time.Now()
	go func() { s.srv.GracefulStop(); close(stopped) }()
	recvStatus(t, w, healthpb.HealthCheckResponse_NOT_SERVING)
	if _, err := w.Recv(); status.Code(err) != codes.Unavailable {
		t.Errorf("grpc-go Watch after NOT_SERVING: %v, want it to end UNAVAILABLE", err)
	}
	select {
	case <-stopped:
		t.Logf("GracefulStop returned after %v with grpc-go Watch calls open", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("GracefulStop did not return within 10s: it waited on a grpc-go Watch")
	}
	if _, err := checkedClient.Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("fail-fast call after GracefulStop: %v, want UNAVAILABLE", err)
	}
}

// TestHealthProbe runs grpc-health-probe against our server: exit 0 for
// SERVING, 4 for NOT_SERVING, 3 for an unknown service (NOT_FOUND), over
// h2c, TLS and with gzip.
func TestHealthProbe(t *testing.T) {
	probe := probeBin(t)
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
	s.set("app", healthpb.HealthCheckResponse_SERVING)
	run(0, "-service=app")
	s.set("app", healthpb.HealthCheckResponse_NOT_SERVING)
	run(4, "-service=app")
	run(4, append([]string{"-service=app"}, tlsArgs...)...)
	run(3, "-service=unknown")
	s.set("", healthpb.HealthCheckResponse_NOT_SERVING)
	run(4)
	s.set("", healthpb.HealthCheckResponse_SERVING)
	run(0)
	s.h.Shutdown()
	run(4)
	s.h.Resume()
	run(0, "-service=app")
}
