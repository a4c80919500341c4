package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// ClientPreface is the HTTP/2 connection preface a client sends first
// (RFC 9113 §3.4). Seeing it on a cleartext connection means HTTP/2 with
// prior knowledge.
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// ConnServer serves connections of one HTTP version. transport/h2 and
// transport/http1 provide one each; Server hands each sniffed connection to
// the right one.
type ConnServer interface {
	// ServeConn serves c until it ends, then closes it. Bytes already read
	// while sniffing are replayed by c's Read, so the ConnServer sees the
	// connection from its first byte.
	ServeConn(c net.Conn)
	// Shutdown stops taking new requests on every connection (GOAWAY on
	// HTTP/2, Connection: close on HTTP/1.1), waits for those in flight to
	// finish or ctx to end, then closes the connections.
	Shutdown(ctx context.Context) error
	// Close closes every connection at once.
	Close() error
}

// Server accepts connections on listeners and serves each with the
// ConnServer for its HTTP version, so one port serves TLS with ALPN ("h2",
// "http/1.1"), HTTP/2 with prior knowledge (h2c) and HTTP/1.1.
type Server struct {
	// H2 serves HTTP/2 connections: TLS with ALPN "h2", and cleartext ones
	// that open with the client preface. Required.
	H2 ConnServer
	// HTTP1 serves HTTP/1.1. When nil, an HTTP/1.1 request is answered
	// with 505 HTTP Version Not Supported and the connection is closed.
	HTTP1 ConnServer
	// TLSConfig, when set, lets connections that open with a TLS record be
	// served over TLS. Its NextProtos gains "h2" and "http/1.1" if empty.
	// Cleartext connections are still served on the same port.
	TLSConfig *tls.Config
	// SniffTimeout bounds how long a new connection may take to show which
	// protocol it speaks, including the TLS handshake. Default 10s.
	SniffTimeout time.Duration

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sniffing  map[net.Conn]struct{}
	closed    bool
	wg        sync.WaitGroup
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("transport: server closed")

// Serve accepts connections on l until l fails or the server is shut down,
// and closes l when it returns. It always returns a non-nil error; after
// Shutdown or Close it is ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	if s.H2 == nil {
		return errors.New("transport: Server.H2 is nil")
	}
	if !s.track(l) {
		l.Close()
		return ErrServerClosed
	}
	defer s.untrack(l)
	var tlsConf *tls.Config
	if s.TLSConfig != nil {
		tlsConf = s.TLSConfig.Clone()
		if len(tlsConf.NextProtos) == 0 {
			tlsConf.NextProtos = []string{"h2", "http/1.1"}
		}
	}
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			// Temporary accept failures (out of file descriptors, say):
			// back off as net/http and grpc-go do rather than spin or give
			// up. EMFILE and ENFILE are Temporary but not Timeout errors.
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				if delay == 0 {
					delay = 5 * time.Millisecond
				} else if delay *= 2; delay > time.Second {
					delay = time.Second
				}
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		if !s.addSniffing(c) {
			c.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		go s.sniff(c, tlsConf)
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	return true
}

// untrack forgets l and closes it unless closeListeners did already.
func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	closed := s.closed
	delete(s.listeners, l)
	s.mu.Unlock()
	if !closed {
		l.Close()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) addSniffing(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.sniffing == nil {
		s.sniffing = make(map[net.Conn]struct{})
	}
	s.sniffing[c] = struct{}{}
	return true
}

// handOff removes c from the sniffing set; false means the server closed
// meanwhile and c must not be handed to a ConnServer.
func (s *Server) handOff(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sniffing, c)
	return !s.closed
}

// sniff decides the protocol of c and hands it on.
func (s *Server) sniff(c net.Conn, tlsConf *tls.Config) {
	defer s.wg.Done()
	timeout := s.SniffTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c.SetDeadline(time.Now().Add(timeout))
	var first [1]byte
	if _, err := io.ReadFull(c, first[:]); err != nil {
		s.drop(c)
		return
	}
	if first[0] == 0x16 && tlsConf != nil { // TLS handshake record (RFC 8446 §5.1)
		tc := tls.Server(&sniffedConn{Conn: c, pre: first[:]}, tlsConf)
		if err := tc.Handshake(); err != nil {
			s.drop(c)
			return
		}
		c.SetDeadline(time.Time{})
		proto := tc.ConnectionState().NegotiatedProtocol
		s.serve(c, tc, proto == "h2")
		return
	}
	// Cleartext: HTTP/2 with prior knowledge opens with the client preface
	// (RFC 9113 §3.3). Decide at the first byte that differs from it, so a
	// short HTTP/1.1 request is not kept waiting for 24 bytes.
	buf := make([]byte, 1, len(ClientPreface))
	buf[0] = first[0]
	for len(buf) < len(ClientPreface) && string(buf) == ClientPreface[:len(buf)] {
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			s.drop(c)
			return
		}
	}
	c.SetDeadline(time.Time{})
	isH2 := string(buf) == ClientPreface
	s.serve(c, &sniffedConn{Conn: c, pre: buf}, isH2)
}

func (s *Server) serve(raw, c net.Conn, h2 bool) {
	if !h2 && s.HTTP1 == nil {
		// Still tracked as sniffing, so Close can cut this short.
		refuseHTTP1(c)
		s.drop(raw)
		return
	}
	if !s.handOff(raw) {
		c.Close()
		return
	}
	if h2 {
		s.H2.ServeConn(c)
	} else {
		s.HTTP1.ServeConn(c)
	}
}

// refuseHTTP1 answers an HTTP/1.x request with 505 and closes. Bytes that do
// not form an HTTP/1.x request line get the connection closed without an
// answer: they are neither protocol we speak, and an HTTP/2 peer that sent
// a bad preface must see the connection end (RFC 9113 §3.4), not an HTTP/1
// response.
func refuseHTTP1(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReaderSize(io.LimitReader(c, maxRequestLine), maxRequestLine).ReadSlice('\n')
	if err != nil || !isHTTP1RequestLine(line) {
		c.Close()
		return
	}
	// RFC 9110 §15.6.6: 505 for a version we do not serve.
	io.WriteString(c, "HTTP/1.1 505 HTTP Version Not Supported\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 41\r\nConnection: close\r\n\r\n"+
		"this server speaks HTTP/2 only (h2, h2c)\n")
	lingeringClose(c)
}

// maxRequestLine bounds the request line read before answering 505.
const maxRequestLine = 8 << 10

// isHTTP1RequestLine reports whether line is "METHOD SP target SP
// HTTP/1.x" (RFC 9112 §3).
func isHTTP1RequestLine(line []byte) bool {
	s := strings.TrimRight(string(line), "\r\n")
	m, rest, ok := strings.Cut(s, " ")
	if !ok || m == "" {
		return false
	}
	i := strings.LastIndexByte(rest, ' ')
	return i > 0 && strings.HasPrefix(rest[i+1:], "HTTP/1.")
}

func (s *Server) drop(c net.Conn) {
	s.mu.Lock()
	delete(s.sniffing, c)
	s.mu.Unlock()
	c.Close()
}

// Shutdown stops accepting, then drains every connection gracefully (see
// ConnServer.Shutdown) until ctx ends, when it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeListeners()
	var errs []error
	for _, cs := range s.connServers() {
		if err := cs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Close stops accepting and closes every connection at once.
func (s *Server) Close() error {
	s.closeListeners()
	var errs []error
	for _, cs := range s.connServers() {
		if err := cs.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

func (s *Server) connServers() []ConnServer {
	cs := []ConnServer{s.H2}
	if s.HTTP1 != nil {
		cs = append(cs, s.HTTP1)
	}
	return cs
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.sniffing {
		c.Close()
	}
	s.mu.Unlock()
}

// sniffedConn replays the bytes read while sniffing before reading on.
type sniffedConn struct {
	net.Conn
	pre []byte
}

func (c *sniffedConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// lingeringClose half-closes c and reads what the peer still sends for a
// moment before closing, so that unread request bytes do not make the
// kernel answer with a TCP reset that destroys the response in flight.
func lingeringClose(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.CopyN(io.Discard, c, 64<<10)
	c.Close()
}

// CloseWrite half-closes the underlying connection when it can, so servers
// handed a sniffed connection can still do a lingering close.
func (c *sniffedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
