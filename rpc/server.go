package rpc

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/keepalive"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// ServerOption configures a Server.
type ServerOption interface{ applyServer(*serverOptions) }

type serverOptionFunc func(*serverOptions)

func (f serverOptionFunc) applyServer(o *serverOptions) { f(o) }

type serverOptions struct {
	// unaryFirst and streamFirst hold the interceptors of UnaryInterceptor
	// and StreamInterceptor: they run before the chained ones wherever
	// the options stand, as grpc-go's single interceptor does.
	unaryFirst  []UnaryServerInterceptor
	streamFirst []StreamServerInterceptor
	unaryInts   []UnaryServerInterceptor
	streamInts  []StreamServerInterceptor
	maxRecv     int
	maxSend     int
	tlsConfig   *tls.Config
	// http1, when set, serves HTTP/1.1 on the same port (the HTTP/1.1
	// transport's hook; gRPC itself needs HTTP/2).
	http1          func(h transport.Handler) transport.ConnServer
	h2Opts         []h2.Option
	unknownHandler StreamHandler
	keepalive      keepalive.ServerParameters
	pingPolicy     keepalive.EnforcementPolicy
}

// UnaryInterceptor adds a unary interceptor that runs before those of
// ChainUnaryInterceptor, wherever the options stand, as in grpc-go. Unlike
// grpc-go, which allows only one, it may be given many times: those
// interceptors run in the order given, the first outermost.
func UnaryInterceptor(i UnaryServerInterceptor) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.unaryFirst = append(o.unaryFirst, i) })
}

// ChainUnaryInterceptor adds unary interceptors, run in order, the first
// outermost.
func ChainUnaryInterceptor(is ...UnaryServerInterceptor) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.unaryInts = append(o.unaryInts, is...) })
}

// StreamInterceptor adds a stream interceptor that runs before those of
// ChainStreamInterceptor (see UnaryInterceptor).
func StreamInterceptor(i StreamServerInterceptor) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.streamFirst = append(o.streamFirst, i) })
}

// ChainStreamInterceptor adds stream interceptors, run in order, the first
// outermost.
func ChainStreamInterceptor(is ...StreamServerInterceptor) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.streamInts = append(o.streamInts, is...) })
}

// MaxRecvMsgSize sets the largest request message the server accepts, in
// bytes (default 4 MiB). A larger one fails the call with
// RESOURCE_EXHAUSTED before any memory is allocated for it.
func MaxRecvMsgSize(n int) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.maxRecv = n })
}

// MaxSendMsgSize sets the largest response message the server sends
// (default unlimited); a larger one fails the call with RESOURCE_EXHAUSTED.
func MaxSendMsgSize(n int) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.maxSend = n })
}

// TLSConfig makes Serve accept TLS connections (ALPN "h2") with conf, on
// the same port as cleartext HTTP/2.
func TLSConfig(conf *tls.Config) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.tlsConfig = conf })
}

// UnknownServiceHandler serves calls to methods no registered service has,
// as a bidirectional stream, instead of failing them with UNIMPLEMENTED
// (a proxy's use, as in grpc-go).
func UnknownServiceHandler(h StreamHandler) ServerOption {
	return serverOptionFunc(func(o *serverOptions) { o.unknownHandler = h })
}

// Server serves registered services over the gRPC protocol. It is also a
// transport.Handler, so it can be mounted on any transport.Server or
// connection server; Serve does that with HTTP/2.
type Server struct {
	opts      serverOptions
	unaryInt  UnaryServerInterceptor
	streamInt StreamServerInterceptor

	mu       sync.Mutex
	methods  map[string]*methodInfo
	services map[string]*serviceInfo
	ts       *transport.Server
	stopped  bool
	calls    *callCount
	// refusing: Stop began, or GracefulStop's drain ended; calls that
	// arrive now are refused, so none starts after calls.wait returns
	// (a transport other than the server's own may still deliver them).
	refusing atomic.Bool
}

type serviceInfo struct {
	name    string
	impl    any
	methods map[string]*methodInfo
	info    ServiceInfo // what GetServiceInfo reports, in the desc's order
}

// methodInfo is what a call needs of its method, found by path.
type methodInfo struct {
	srv    any
	unary  MethodHandler
	stream StreamHandler
	// uinfo and sinfo are handed to interceptors; they live here so a call
	// allocates none.
	uinfo UnaryServerInfo
	sinfo StreamServerInfo
}

var _ transport.Handler = (*Server)(nil)
var _ ServiceRegistrar = (*Server)(nil)

// NewServer returns a server with no services registered.
func NewServer(opts ...ServerOption) *Server {
	s := &Server{
		methods:  make(map[string]*methodInfo),
		services: make(map[string]*serviceInfo),
		calls:    newCallCount(),
	}
	s.opts.maxRecv = defaultMaxRecvMsgSize
	s.opts.maxSend = defaultMaxSendMsgSize
	for _, o := range opts {
		o.applyServer(&s.opts)
	}
	s.unaryInt = ChainUnaryServer(slices.Concat(s.opts.unaryFirst, s.opts.unaryInts)...)
	s.streamInt = ChainStreamServer(slices.Concat(s.opts.streamFirst, s.opts.streamInts)...)
	return s
}

// RegisterService registers impl to serve desc's methods. It panics, as
// grpc-go's does, if impl does not implement desc.HandlerType, if the
// service is registered already, or if Serve has started.
func (s *Server) RegisterService(desc *ServiceDesc, impl any) {
	if impl != nil && desc.HandlerType != nil {
		ht := reflect.TypeOf(desc.HandlerType).Elem()
		if st := reflect.TypeOf(impl); !st.Implements(ht) {
			panic("rpc: RegisterService found the handler of type " + st.String() +
				" that does not satisfy " + ht.String())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ts != nil {
		panic("rpc: RegisterService after Serve")
	}
	if _, ok := s.services[desc.ServiceName]; ok {
		panic("rpc: RegisterService found duplicate service registration for " + desc.ServiceName)
	}
	si := &serviceInfo{name: desc.ServiceName, impl: impl, methods: make(map[string]*methodInfo)}
	si.info.Metadata = desc.Metadata
	// The map is read by every call without a lock. Registration happens
	// before serving (grpc-go's contract too); it builds a new map anyway
	// so a lookup can never see one half-built.
	methods := make(map[string]*methodInfo, len(s.methods)+len(desc.Methods)+len(desc.Streams))
	for k, v := range s.methods {
		methods[k] = v
	}
	for i := range desc.Methods {
		md := &desc.Methods[i]
		path := "/" + desc.ServiceName + "/" + md.MethodName
		mi := &methodInfo{srv: impl, unary: md.Handler}
		mi.uinfo = UnaryServerInfo{Server: impl, FullMethod: path}
		methods[path] = mi
		si.methods[md.MethodName] = mi
		si.info.Methods = append(si.info.Methods, MethodInfo{Name: md.MethodName})
	}
	for i := range desc.Streams {
		sd := &desc.Streams[i]
		path := "/" + desc.ServiceName + "/" + sd.StreamName
		mi := &methodInfo{srv: impl, stream: sd.Handler}
		mi.sinfo = StreamServerInfo{FullMethod: path, IsClientStream: sd.ClientStreams, IsServerStream: sd.ServerStreams}
		methods[path] = mi
		si.methods[sd.StreamName] = mi
		si.info.Methods = append(si.info.Methods, MethodInfo{Name: sd.StreamName, IsClientStream: sd.ClientStreams, IsServerStream: sd.ServerStreams})
	}
	s.services[desc.ServiceName] = si
	s.methods = methods
}

// ServiceInfo describes a registered service, as GetServiceInfo returns it
// (the same shape as grpc-go's).
type ServiceInfo struct {
	// Methods are the service's methods: the unary ones, then the
	// streaming ones, each in the order of its ServiceDesc.
	Methods []MethodInfo
	// Metadata is the ServiceDesc's Metadata (for generated code, the
	// .proto file name).
	Metadata any
}

// MethodInfo describes one method of a registered service.
type MethodInfo struct {
	// Name is the method name, without the service.
	Name string
	// IsClientStream and IsServerStream tell the call shape; both false
	// is a unary method.
	IsClientStream bool
	IsServerStream bool
}

// GetServiceInfo returns the registered services by name. The result is
// the caller's: changing it does not change the server.
func (s *Server) GetServiceInfo() map[string]ServiceInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]ServiceInfo, len(s.services))
	for name, si := range s.services {
		out[name] = ServiceInfo{Methods: slices.Clone(si.info.Methods), Metadata: si.info.Metadata}
	}
	return out
}

// errServerStopped answers a call that arrives once the server stopped
// (grpc-go's ServeHTTP says the same).
var errServerStopped = status.New(codes.Unavailable, "the server has been stopped")

// ErrServerStopped is returned by Serve on a server that was stopped.
var ErrServerStopped = errors.New("rpc: the server has been stopped")

// Serve accepts connections on lis and serves them: HTTP/2 with prior
// knowledge (h2c) and, with TLSConfig, TLS with ALPN "h2", on the one port.
// It returns nil after Stop or GracefulStop, and the listener's error
// otherwise. Serve may be called on several listeners.
func (s *Server) Serve(lis net.Listener) error {
	ts, err := s.transportServer()
	if err != nil {
		lis.Close()
		return err
	}
	err = ts.Serve(lis)
	if errors.Is(err, transport.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *Server) transportServer() (*transport.Server, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil, ErrServerStopped
	}
	if s.ts == nil {
		h2, err := newH2Server(s.opts.h2Options())(s)
		if err != nil {
			return nil, err
		}
		s.ts = &transport.Server{H2: h2, TLSConfig: s.opts.tlsConfig}
		if s.opts.http1 != nil {
			s.ts.HTTP1 = s.opts.http1(s)
		}
	}
	return s.ts, nil
}

// GracefulStop stops taking new calls (HTTP/2 GOAWAY) and waits for the
// calls in flight to finish, then closes the connections.
func (s *Server) GracefulStop() {
	ts := s.stop()
	if ts != nil {
		ts.Shutdown(context.Background())
	}
	s.refusing.Store(true)
	s.calls.wait()
}

// Stop closes every listener and connection at once; calls in flight see
// their contexts cancelled and their clients UNAVAILABLE. It returns once
// the handlers have returned.
func (s *Server) Stop() {
	s.refusing.Store(true)
	ts := s.stop()
	if ts != nil {
		ts.Close()
	}
	s.calls.wait()
}

func (s *Server) stop() *transport.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	return s.ts
}

// ServeStream serves one gRPC call; it makes Server a transport.Handler.
func (s *Server) ServeStream(st transport.ServerStream) {
	req := st.Request()
	ct, _ := req.Header.Get(grpcHeaderContentType)
	sub, ok := contentSubtype(ct)
	var codec Codec
	if ok {
		codec = codecFor(sub)
	}
	if codec == nil {
		// grpc-go answers a request that is not gRPC with HTTP 415 and
		// INVALID_ARGUMENT (PROTOCOL-HTTP2.md leaves the status to the
		// server; the HTTP status tells non-gRPC clients what went wrong).
		s.writeEarly(st, 415, grpcContentType,
			status.New(codes.InvalidArgument, "invalid gRPC request content-type \""+string(ct)+"\""))
		return
	}
	if m := req.Method(); string(m) != "POST" {
		s.writeEarly(st, 405, responseContentType(sub, codec),
			status.New(codes.Internal, "Received a HEADERS frame with :method \""+string(m)+"\" which should be POST"))
		return
	}
	mi := s.methods[string(req.Path())]
	if mi == nil && s.opts.unknownHandler == nil {
		s.writeEarly(st, 200, responseContentType(sub, codec), unknownMethodStatus(string(req.Path()), s))
		return
	}
	s.calls.start()
	defer s.calls.end()
	if s.refusing.Load() {
		// After the count went up, so that a stop's wait either sees
		// this call or it sees the flag (both atomics are sequentially
		// consistent).
		s.writeEarly(st, 200, responseContentType(sub, codec), errServerStopped)
		return
	}
	c := getServerCall()
	if err := c.init(s, st, mi, codec, sub); err != nil {
		httpStatus := 200
		if ee, ok := err.(*earlyError); ok {
			httpStatus = ee.httpStatus
		}
		s.writeEarly(st, httpStatus, c.respCT, status.Convert(err))
		c.release()
		return
	}
	switch {
	case mi == nil:
		c.runStream(&unknownMethodInfo, s.opts.unknownHandler)
	case mi.unary != nil:
		c.runUnary()
	default:
		c.runStream(mi, mi.stream)
	}
	c.release()
}

var unknownMethodInfo = methodInfo{sinfo: StreamServerInfo{IsClientStream: true, IsServerStream: true}}

// writeEarly ends a call before any handler with a Trailers-Only response.
func (s *Server) writeEarly(st transport.ServerStream, httpStatus int, ct string, stat *status.Status) {
	resp := st.Response()
	resp.Status = httpStatus
	resp.Header.AddString(grpcHeaderContentType, ct)
	appendStatus(&resp.Header, stat, nil)
	st.Finish(nil)
}

// unknownMethodStatus is grpc-go's UNIMPLEMENTED for a path it cannot
// serve.
func unknownMethodStatus(path string, s *Server) *status.Status {
	p := strings.TrimPrefix(path, "/")
	i := strings.LastIndex(p, "/")
	if !strings.HasPrefix(path, "/") || i < 0 {
		return status.New(codes.Unimplemented, "malformed method name: \""+path+"\"")
	}
	service, method := p[:i], p[i+1:]
	s.mu.Lock()
	_, known := s.services[service]
	s.mu.Unlock()
	if !known {
		return status.New(codes.Unimplemented, "unknown service "+service)
	}
	return status.New(codes.Unimplemented, "unknown method "+method+" for service "+service)
}
