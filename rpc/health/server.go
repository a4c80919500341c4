// Package health serves the standard gRPC health checking service,
// grpc.health.v1.Health, so that Kubernetes gRPC probes, grpc-health-probe,
// load balancers and grpc-go clients with health checking enabled can ask a
// Shockwave server whether it is serving.
//
// A Server keeps a serving status per service name; the empty name is the
// status of the server as a whole, SERVING from the start. Register it with
// healthv1.RegisterHealthServer and change statuses with SetServingStatus,
// Shutdown and Resume, as with grpc-go's google.golang.org/grpc/health:
//
//	h := health.NewServer()
//	healthv1.RegisterHealthServer(srv, h)
//	h.SetServingStatus("my.pkg.MyService", healthv1.HealthCheckResponse_SERVING)
//
// The methods behave as the protocol (grpc/doc/health-checking.md and the
// comments of health.proto) and grpc-go's server do: Check answers NOT_FOUND
// for a service it has no status for; List answers every status, or
// RESOURCE_EXHAUSTED when there are more than 100; Watch sends the current
// status, SERVICE_UNKNOWN for a service without one, and then each change,
// until the client cancels or the server stops.
//
// A Watch call lasts as long as its client keeps it open, or until the
// server begins to drain the call's connection (rpc.Draining: GracefulStop,
// or the connection's maximum age), when it ends with UNAVAILABLE, which
// clients retry elsewhere. So GracefulStop does not wait on watchers, as it
// does with grpc-go's health server (grpc-go issues 8776 and 8882). Calling
// Shutdown first tells watchers NOT_SERVING before the drain.
//
// The messages come from package healthv1, which registers grpc.health.v1
// in a registry of its own, not protobuf's global one, so a binary may also
// link grpc-go's grpc_health_v1 package (imported by
// google.golang.org/grpc/health and grpc-go's xDS) without the namespace
// conflict panic at start-up. The two share the wire format and the
// service path, and rpc/reflection still describes the service.
package health

import (
	"context"
	"sync"

	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// maxListed is the most statuses List answers with: health.proto's List
// comment makes more than 100 a RESOURCE_EXHAUSTED error.
const maxListed = 100

// errDraining ends the Watch calls of a connection the server drains.
var errDraining = status.Error(codes.Unavailable, "health: the server is shutting down")

// draining is rpc.Draining; tests drain without a server.
var draining = rpc.Draining

// Server implements the Health service. Its methods are safe for
// concurrent use.
type Server struct {
	healthv1.UnimplementedHealthServer

	mu sync.Mutex
	// shuttingDown is set by Shutdown: every status is NOT_SERVING and
	// SetServingStatus changes nothing until Resume.
	shuttingDown bool
	statuses     map[string]healthv1.HealthCheckResponse_ServingStatus
	watchers     map[string]map[watcher]struct{}
}

// A watcher is the mailbox of one Watch call. It holds at most one status,
// the newest its call has not sent yet: a status change replaces what is
// there, so SetServingStatus never waits for a client that reads slowly,
// and the client, once it reads, learns the current status rather than
// history.
type watcher chan healthv1.HealthCheckResponse_ServingStatus

// NewServer returns a Server whose overall status (service "") is SERVING
// and which knows no other service.
func NewServer() *Server {
	return &Server{
		statuses: map[string]healthv1.HealthCheckResponse_ServingStatus{"": healthv1.HealthCheckResponse_SERVING},
		watchers: make(map[string]map[watcher]struct{}),
	}
}

// SetServingStatus sets the status of service ("" for the server as a
// whole) and tells the calls watching it. Between Shutdown and Resume it
// does nothing, so that a service coming up during shutdown cannot report
// SERVING.
func (s *Server) SetServingStatus(service string, st healthv1.HealthCheckResponse_ServingStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown {
		return
	}
	s.setLocked(service, st)
}

// Shutdown sets every known status to NOT_SERVING and ignores
// SetServingStatus until Resume. Call it before stopping the rpc.Server so
// that health checks fail, and load balancers move traffic away, while
// calls in flight finish.
func (s *Server) Shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shuttingDown = true
	for service := range s.statuses {
		s.setLocked(service, healthv1.HealthCheckResponse_NOT_SERVING)
	}
}

// Resume sets every known status to SERVING, whatever it was before
// Shutdown, and makes SetServingStatus take effect again.
func (s *Server) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shuttingDown = false
	for service := range s.statuses {
		s.setLocked(service, healthv1.HealthCheckResponse_SERVING)
	}
}

func (s *Server) setLocked(service string, st healthv1.HealthCheckResponse_ServingStatus) {
	s.statuses[service] = st
	for w := range s.watchers[service] {
		// Senders hold s.mu, so after the drain the buffer of one is free
		// and the send cannot block.
		select {
		case <-w:
		default:
		}
		w <- st
	}
}

// Check answers the status of the requested service, or NOT_FOUND if it has
// none.
func (s *Server) Check(_ context.Context, req *healthv1.HealthCheckRequest) (*healthv1.HealthCheckResponse, error) {
	s.mu.Lock()
	st, ok := s.statuses[req.GetService()]
	s.mu.Unlock()
	if !ok {
		return nil, status.Error(codes.NotFound, "unknown service")
	}
	return &healthv1.HealthCheckResponse{Status: st}, nil
}

// List answers the status of every service, the overall one ("") included,
// or RESOURCE_EXHAUSTED if there are more than 100.
func (s *Server) List(context.Context, *healthv1.HealthListRequest) (*healthv1.HealthListResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.statuses) > maxListed {
		return nil, status.Errorf(codes.ResourceExhausted, "server health list exceeds maximum capacity: %d", maxListed)
	}
	resp := &healthv1.HealthListResponse{Statuses: make(map[string]*healthv1.HealthCheckResponse, len(s.statuses))}
	for service, st := range s.statuses {
		resp.Statuses[service] = &healthv1.HealthCheckResponse{Status: st}
	}
	return resp, nil
}

// Watch sends the status of the requested service, SERVICE_UNKNOWN if it
// has none, and then each change, until the call's context ends (the
// client cancelled, its deadline passed or the server stopped) or the
// server begins to drain the call's connection, which ends the call with
// UNAVAILABLE. A status set again unchanged sends nothing; a client that
// reads slowly sees only the newest status.
func (s *Server) Watch(req *healthv1.HealthCheckRequest, stream healthv1.Health_WatchServer) error {
	service := req.GetService()
	w := make(watcher, 1)
	s.mu.Lock()
	st, ok := s.statuses[service]
	if !ok {
		st = healthv1.HealthCheckResponse_SERVICE_UNKNOWN
	}
	w <- st
	if s.watchers[service] == nil {
		s.watchers[service] = make(map[watcher]struct{})
	}
	s.watchers[service][w] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers[service], w)
		if len(s.watchers[service]) == 0 {
			delete(s.watchers, service)
		}
		s.mu.Unlock()
	}()

	ctx := stream.Context()
	// A drain waits for the calls in flight, and a Watch would otherwise
	// last as long as its client likes.
	drain := draining(ctx)
	// Whether anything was sent is its own flag: any int32 is a status an
	// application may set (an unknown enum value, -1 included), so no
	// value can stand for "nothing sent yet".
	var sent healthv1.HealthCheckResponse_ServingStatus
	first := true
	send := func(st healthv1.HealthCheckResponse_ServingStatus) error {
		if st == sent && !first {
			return nil
		}
		if err := stream.Send(&healthv1.HealthCheckResponse{Status: st}); err != nil {
			return err
		}
		sent, first = st, false
		return nil
	}
	for {
		select {
		case st := <-w:
			if err := send(st); err != nil {
				return err
			}
		case <-drain:
			// A status set before the drain began (Shutdown's
			// NOT_SERVING, typically) goes out first: select picks
			// among ready cases at random.
			select {
			case st := <-w:
				if err := send(st); err != nil {
					return err
				}
			default:
			}
			return errDraining
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}
