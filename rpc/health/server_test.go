package health_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

const (
	unknown        = healthv1.HealthCheckResponse_UNKNOWN
	serving        = healthv1.HealthCheckResponse_SERVING
	notServing     = healthv1.HealthCheckResponse_NOT_SERVING
	serviceUnknown = healthv1.HealthCheckResponse_SERVICE_UNKNOWN
)

// env is a health Server on an rpc.Server on loopback, and a client.
type env struct {
	h      *health.Server
	srv    *rpc.Server
	client healthv1.HealthClient
	served chan error
}

// newEnv serves a new health Server over HTTP/2 on 127.0.0.1:0 and dials
// it; both are closed when the test ends.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{h: health.NewServer(), srv: rpc.NewServer(), served: make(chan error, 1)}
	healthv1.RegisterHealthServer(e.srv, e.h)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { e.served <- e.srv.Serve(lis) }()
	t.Cleanup(func() {
		e.srv.Stop()
		if err := <-e.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	e.client = healthv1.NewHealthClient(cc)
	return e
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// check returns the status Check answers for service, failing t on an
// error.
func (e *env) check(t *testing.T, service string) healthv1.HealthCheckResponse_ServingStatus {
	t.Helper()
	resp, err := e.client.Check(ctxT(t), &healthv1.HealthCheckRequest{Service: service})
	if err != nil {
		t.Fatalf("Check(%q): %v", service, err)
	}
	return resp.GetStatus()
}

// watch starts a Watch of service that ends when the test does, or when
// the returned cancel is called.
func (e *env) watch(t *testing.T, service string) (healthv1.Health_WatchClient, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctxT(t))
	t.Cleanup(cancel)
	stream, err := e.client.Watch(ctx, &healthv1.HealthCheckRequest{Service: service})
	if err != nil {
		t.Fatalf("Watch(%q): %v", service, err)
	}
	return stream, cancel
}

// next receives the next status of a Watch and fails t unless it is want.
func next(t *testing.T, stream healthv1.Health_WatchClient, want healthv1.HealthCheckResponse_ServingStatus) {
	t.Helper()
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("Watch Recv: %v; want %v", err, want)
	}
	if got := resp.GetStatus(); got != want {
		t.Fatalf("Watch sent %v, want %v", got, want)
	}
}

// checkGoroutines fails the test if goroutines started during it are still
// running after its cleanups. Call it first: cleanups run last-in
// first-out, so this one runs after those that stop servers and clients.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() { waitGoroutines(t, before) })
}

// waitGoroutines waits up to 5s for the number of goroutines to fall to
// n, and fails t with every stack if it does not.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > n {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines left behind (%d expected):\n%s", got-n, n, buf[:runtime.Stack(buf, true)])
	}
}

// returnsWithin runs f and fails t if it has not returned within d.
func returnsWithin(t *testing.T, d time.Duration, f func(), what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	waitClosed(t, done, d, what)
}

// waitClosed fails t if done is not closed within d.
func waitClosed(t *testing.T, done <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// waitWatchers waits up to 5s for h to have n Watch calls registered.
func waitWatchers(t *testing.T, h *health.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Watchers() != n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := h.Watchers(); got != n {
		t.Fatalf("%d Watch calls registered, want %d", got, n)
	}
}

func TestCheck(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	if got := e.check(t, ""); got != serving {
		t.Errorf("overall status of a new server: %v, want SERVING", got)
	}
	e.h.SetServingStatus("a", serving)
	e.h.SetServingStatus("b", notServing)
	if got := e.check(t, "a"); got != serving {
		t.Errorf("a: %v, want SERVING", got)
	}
	if got := e.check(t, "b"); got != notServing {
		t.Errorf("b: %v, want NOT_SERVING", got)
	}
	e.h.SetServingStatus("a", notServing)
	if got := e.check(t, "a"); got != notServing {
		t.Errorf("a after a change: %v, want NOT_SERVING", got)
	}
	e.h.SetServingStatus("", notServing)
	if got := e.check(t, ""); got != notServing {
		t.Errorf("overall status after a change: %v, want NOT_SERVING", got)
	}

	// health.proto: "If the requested service is unknown, the call will
	// fail with status NOT_FOUND."
	_, err := e.client.Check(ctxT(t), &healthv1.HealthCheckRequest{Service: "c"})
	if got := status.Code(err); got != codes.NotFound {
		t.Errorf("Check of an unknown service: %v (%v), want NotFound", got, err)
	}
}

func TestList(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	e.h.SetServingStatus("a", serving)
	e.h.SetServingStatus("b", notServing)
	resp, err := e.client.List(ctxT(t), &healthv1.HealthListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := &healthv1.HealthListResponse{Statuses: map[string]*healthv1.HealthCheckResponse{
		"":  {Status: serving},
		"a": {Status: serving},
		"b": {Status: notServing},
	}}
	if !proto.Equal(resp, want) {
		t.Errorf("List: %v, want %v", resp, want)
	}

	// 100 statuses, the overall one included, is the most List answers.
	for i := len(want.Statuses); i < 100; i++ {
		e.h.SetServingStatus(fmt.Sprint("s", i), serving)
	}
	resp, err = e.client.List(ctxT(t), &healthv1.HealthListRequest{})
	if err != nil {
		t.Fatalf("List of 100: %v", err)
	}
	if n := len(resp.GetStatuses()); n != 100 {
		t.Errorf("List of 100 answered %d", n)
	}
	e.h.SetServingStatus("one too many", serving)
	_, err = e.client.List(ctxT(t), &healthv1.HealthListRequest{})
	if got := status.Code(err); got != codes.ResourceExhausted {
		t.Errorf("List of 101: %v (%v), want ResourceExhausted", got, err)
	}
}

// Watch sends the current status, then each change in order, and nothing
// for a status set again unchanged.
func TestWatch(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	e.h.SetServingStatus("a", serving)
	a, _ := e.watch(t, "a")
	overall, _ := e.watch(t, "")
	next(t, a, serving)
	next(t, overall, serving)

	for _, st := range []healthv1.HealthCheckResponse_ServingStatus{notServing, serving, notServing, unknown, serving} {
		e.h.SetServingStatus("a", st)
		next(t, a, st)
	}
	// Setting the status it has sends nothing: the next message is the
	// change after it.
	e.h.SetServingStatus("a", serving)
	e.h.SetServingStatus("a", notServing)
	next(t, a, notServing)

	// A change to one service is not sent to the watchers of another.
	e.h.SetServingStatus("", notServing)
	next(t, overall, notServing)
	e.h.SetServingStatus("a", serving)
	next(t, a, serving)
}

// health.proto: an unknown service is SERVICE_UNKNOWN, the call is not
// ended, and the status is sent once the service has one.
func TestWatchUnknownService(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	stream, _ := e.watch(t, "later")
	next(t, stream, serviceUnknown)
	e.h.SetServingStatus("later", notServing)
	next(t, stream, notServing)
	e.h.SetServingStatus("later", serving)
	next(t, stream, serving)
}

// Several calls watching one service each see every change.
func TestWatchMany(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	var streams []healthv1.Health_WatchClient
	for range 5 {
		s, _ := e.watch(t, "a")
		next(t, s, serviceUnknown)
		streams = append(streams, s)
	}
	for _, st := range []healthv1.HealthCheckResponse_ServingStatus{serving, notServing} {
		e.h.SetServingStatus("a", st)
		for _, s := range streams {
			next(t, s, st)
		}
	}
}

func TestShutdownResume(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	e.h.SetServingStatus("a", serving)
	e.h.SetServingStatus("b", notServing)
	a, _ := e.watch(t, "a")
	next(t, a, serving)

	e.h.Shutdown()
	next(t, a, notServing)
	for _, service := range []string{"", "a", "b"} {
		if got := e.check(t, service); got != notServing {
			t.Errorf("%q after Shutdown: %v, want NOT_SERVING", service, got)
		}
	}
	// Until Resume, status changes are ignored, new services included.
	e.h.SetServingStatus("a", serving)
	e.h.SetServingStatus("c", serving)
	if got := e.check(t, "a"); got != notServing {
		t.Errorf("a set SERVING after Shutdown: %v, want NOT_SERVING", got)
	}
	if _, err := e.client.Check(ctxT(t), &healthv1.HealthCheckRequest{Service: "c"}); status.Code(err) != codes.NotFound {
		t.Errorf("c, first set after Shutdown: %v, want NotFound", err)
	}

	e.h.Resume()
	next(t, a, serving)
	for _, service := range []string{"", "a", "b"} {
		if got := e.check(t, service); got != serving {
			t.Errorf("%q after Resume: %v, want SERVING", service, got)
		}
	}
	e.h.SetServingStatus("b", notServing)
	if got := e.check(t, "b"); got != notServing {
		t.Errorf("b set NOT_SERVING after Resume: %v, want NOT_SERVING", got)
	}
}

// A client that cancels its Watch ends the server's call: the handler
// returns, its registration goes, and it leaves no goroutine behind while
// the connection stays up.
func TestWatchClientCancel(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	// The connection keeps the goroutines of finished calls to run the
	// next ones, so the count to come back to is taken after a first round
	// of as many calls.
	watchAndCancel := func() {
		var cancels []context.CancelFunc
		var streams []healthv1.Health_WatchClient
		for i := range 10 {
			s, cancel := e.watch(t, fmt.Sprint("s", i%3))
			next(t, s, serviceUnknown)
			streams = append(streams, s)
			cancels = append(cancels, cancel)
		}
		waitWatchers(t, e.h, 10)
		if n := watchHandlers(); n != 10 {
			t.Fatalf("%d goroutines in Server.Watch, want 10", n)
		}
		for i, cancel := range cancels {
			cancel()
			if _, err := streams[i].Recv(); status.Code(err) != codes.Canceled {
				t.Errorf("Recv after cancel: %v, want Canceled", err)
			}
		}
		waitWatchers(t, e.h, 0)
	}
	watchAndCancel()
	before := busyGoroutines()
	watchAndCancel()
	// Idle handler goroutines the connection keeps for its next calls do
	// not count: how many it keeps depends on how the calls overlapped.
	for deadline := time.Now().Add(5 * time.Second); busyGoroutines() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left behind (%d expected):\n%s", busyGoroutines()-before, before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A handler leaves the watcher list just before Watch returns, and the
	// connection keeps its goroutine for the next call; so wait for the
	// handlers themselves to be gone, within a bound.
	for deadline := time.Now().Add(5 * time.Second); watchHandlers() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still in Server.Watch 5s after their clients cancelled", watchHandlers())
		}
		time.Sleep(time.Millisecond)
	}

	// Changes after the watchers left reach nobody and block nothing.
	e.h.SetServingStatus("s0", serving)
	if got := e.check(t, "s0"); got != serving {
		t.Errorf("s0: %v, want SERVING", got)
	}
}

// watchHandlers counts the goroutines running Server.Watch.
// busyGoroutines counts the goroutines but those an h2 connection keeps
// idle for its next handlers.
func busyGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "transport/h2.(*conn).worker(") && !strings.Contains(g, "ServeStream(") {
			continue
		}
		n++
	}
	return n
}

func watchHandlers() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "health.(*Server).Watch(")
}

// A deadline ends a Watch as a cancel does.
func TestWatchDeadline(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(ctxT(t), 100*time.Millisecond)
	defer cancel()
	stream, err := e.client.Watch(ctx, &healthv1.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	next(t, stream, serving)
	if _, err := stream.Recv(); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Recv past the deadline: %v, want DeadlineExceeded", err)
	}
	waitWatchers(t, e.h, 0)
}

// Stopping the server ends its Watch calls: Stop returns (it waits for
// handlers), clients see the call fail, and nothing is left running.
func TestWatchServerStop(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	var streams []healthv1.Health_WatchClient
	for _, service := range []string{"", "a", "a"} {
		s, _ := e.watch(t, service)
		streams = append(streams, s)
	}
	next(t, streams[0], serving)
	next(t, streams[1], serviceUnknown)
	next(t, streams[2], serviceUnknown)

	returnsWithin(t, 10*time.Second, e.srv.Stop, "Stop: a Watch handler did not end")
	for _, s := range streams {
		// The call fails UNAVAILABLE, as Stop's doc says: the connection
		// ended under it, which is not the end of its response.
		_, err := s.Recv()
		if status.Code(err) != codes.Unavailable {
			t.Errorf("Recv after the server stopped: %v, want code Unavailable", err)
		}
		t.Logf("Recv after the server stopped: %v", err)
	}
	if n := watchHandlers(); n != 0 {
		t.Errorf("%d goroutines still in Server.Watch after Stop", n)
	}
	if n := e.h.Watchers(); n != 0 {
		t.Errorf("%d Watch calls still registered after Stop", n)
	}
}

// GracefulStop ends the Watch calls it would otherwise wait on: after
// Shutdown's NOT_SERVING they end UNAVAILABLE, and the drain finishes at
// once rather than when the clients give up (grpc-go's health server keeps
// them open: grpc-go issues 8776 and 8882).
func TestWatchGracefulStop(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	var streams []healthv1.Health_WatchClient
	for _, service := range []string{"", "a"} {
		s, _ := e.watch(t, service)
		streams = append(streams, s)
	}
	next(t, streams[0], serving)
	next(t, streams[1], serviceUnknown)
	// Shutdown's NOT_SERVING, set before the drain begins, reaches the
	// watcher even though both are ready when its Watch next looks.
	e.h.Shutdown()
	stopped := make(chan struct{})
	go func() {
		e.srv.GracefulStop()
		close(stopped)
	}()
	next(t, streams[0], notServing)
	waitClosed(t, stopped, 10*time.Second, "GracefulStop: it waited on the Watch calls")
	for _, s := range streams {
		_, err := s.Recv()
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "shutting down") {
			t.Errorf("Recv after GracefulStop: %v, want UNAVAILABLE: the server is shutting down", err)
		}
	}
	if n := e.h.Watchers(); n != 0 {
		t.Errorf("%d Watch calls still registered after GracefulStop", n)
	}
}

// A status set before the drain begins goes out before the Watch ends,
// even when the Watch finds both ready at once (select would pick one at
// random): here its client is slow to read the first status while
// Shutdown and the drain both happen.
func TestWatchDrainSendsPendingStatus(t *testing.T) {
	checkGoroutines(t)
	for i := 0; i < 50; i++ {
		drain := make(chan struct{})
		restore := health.SetDraining(func(context.Context) <-chan struct{} { return drain })
		h := health.NewServer()
		stream := &blockingStream{
			ctx:     context.Background(),
			entered: make(chan struct{}),
			release: make(chan struct{}),
			sent:    make(chan healthv1.HealthCheckResponse_ServingStatus, 10),
		}
		watchErr := make(chan error, 1)
		go func() { watchErr <- h.Watch(&healthv1.HealthCheckRequest{}, stream) }()
		<-stream.entered
		h.Shutdown()
		close(drain)
		close(stream.release)
		err := <-watchErr
		restore()
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("Watch returned %v, want UNAVAILABLE", err)
		}
		if got := <-stream.sent; got != serving {
			t.Fatalf("first status sent: %v, want SERVING", got)
		}
		if len(stream.sent) != 1 || <-stream.sent != notServing {
			t.Fatalf("run %d: Shutdown's NOT_SERVING was not sent before the Watch ended", i)
		}
	}
}

// blockingStream is a Watch stream whose first Send waits until release is
// closed: a client that does not read.
type blockingStream struct {
	healthv1.Health_WatchServer // nil: only Context and Send are called
	ctx                         context.Context
	entered, release            chan struct{}
	sent                        chan healthv1.HealthCheckResponse_ServingStatus
	sends                       int // only the Watch goroutine counts
}

func (s *blockingStream) Context() context.Context { return s.ctx }

func (s *blockingStream) Send(m *healthv1.HealthCheckResponse) error {
	s.sends++
	if s.sends == 1 {
		close(s.entered)
		<-s.release
	}
	s.sent <- m.GetStatus()
	return nil
}

// A watcher that does not read holds up neither SetServingStatus nor
// Shutdown, and once it reads it gets the newest status, not the ones in
// between.
func TestSlowWatcher(t *testing.T) {
	checkGoroutines(t)
	h := health.NewServer()
	h.SetServingStatus("a", serving)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := &blockingStream{
		ctx:     ctx,
		entered: make(chan struct{}),
		release: make(chan struct{}),
		sent:    make(chan healthv1.HealthCheckResponse_ServingStatus, 10),
	}
	watchErr := make(chan error, 1)
	go func() { watchErr <- h.Watch(&healthv1.HealthCheckRequest{Service: "a"}, stream) }()
	<-stream.entered // the current status is being sent, and stuck

	done := make(chan struct{})
	go func() {
		for i := range 10000 {
			h.SetServingStatus("a", []healthv1.HealthCheckResponse_ServingStatus{notServing, serving}[i%2])
		}
		h.SetServingStatus("a", unknown)
		h.Shutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SetServingStatus blocked on a watcher that does not read")
	}

	close(stream.release)
	if got := <-stream.sent; got != serving {
		t.Errorf("first status sent: %v, want SERVING", got)
	}
	if got := <-stream.sent; got != notServing {
		t.Errorf("status sent after the client read again: %v, want the newest, NOT_SERVING", got)
	}
	cancel()
	if err := <-watchErr; status.Code(err) != codes.Canceled {
		t.Errorf("Watch returned %v, want Canceled", err)
	}
	if n := len(stream.sent); n != 0 {
		t.Errorf("%d more statuses sent, want none", n)
	}
	if n := h.Watchers(); n != 0 {
		t.Errorf("%d Watch calls registered after the call returned", n)
	}
}

// Over a real connection, a client that stops reading while statuses
// change fast holds up nobody, and when it reads again it ends on the
// newest status.
func TestSlowWatcherOverHTTP2(t *testing.T) {
	checkGoroutines(t)
	e := newEnv(t)
	stream, _ := e.watch(t, "a")
	next(t, stream, serviceUnknown)

	done := make(chan struct{})
	go func() {
		for i := range 100000 {
			e.h.SetServingStatus("a", []healthv1.HealthCheckResponse_ServingStatus{serving, notServing}[i%2])
		}
		e.h.SetServingStatus("a", unknown) // the newest, sent once
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("SetServingStatus blocked on a watcher that does not read")
	}
	// What arrives is some of the changes, in order: never the same status
	// twice running, since a status equal to the one sent is not sent.
	n, last := 0, serviceUnknown
	for last != unknown {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv after %d messages: %v", n, err)
		}
		n++
		if resp.GetStatus() == last {
			t.Fatalf("message %d repeats %v", n, last)
		}
		last = resp.GetStatus()
	}
	t.Logf("the watcher received %d of the 100001 changes", n)
}
