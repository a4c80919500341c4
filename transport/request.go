package transport

import (
	"crypto/tls"
	"net"
)

// Proto is the HTTP version a stream travels over.
type Proto uint8

// The HTTP versions.
const (
	HTTP1 Proto = 1 + iota
	HTTP2
	HTTP3
)

func (p Proto) String() string {
	switch p {
	case HTTP1:
		return "HTTP/1.1"
	case HTTP2:
		return "HTTP/2"
	case HTTP3:
		return "HTTP/3"
	}
	return "HTTP/?"
}

// Which pseudo-header a slot of Request.pseudo holds.
const (
	pMethod = iota
	pScheme
	pAuthority
	pPath
	pProtocol
	numPseudo
)

// Request is the head of a request. On the server the transport fills it
// before the handler runs; on the client the caller fills the one a
// ClientStream hands out before the stream's first write.
//
// The pseudo-header fields (RFC 9113 §8.3.1) have accessors rather than
// fields so that they live in memory the Request owns and reuses: the views
// they return are valid until the Request is reset, which the transport does
// when the stream ends. Copy what must outlive the stream.
type Request struct {
	// Proto is the HTTP version the request arrived on or will leave on.
	Proto Proto
	// Header holds the regular fields, in the order they arrived: no
	// pseudo-header fields and no connection-specific fields.
	Header Header
	// ContentLength is the declared body length, or -1 when unknown.
	ContentLength int64
	// RemoteAddr, LocalAddr and TLS describe the connection the stream
	// travels on, from the side holding the Request: on the server
	// RemoteAddr is the client's address, on the client the server's.
	// The transport sets them, on the server before the handler runs and
	// on the client when NewStream returns the stream; they are nil where
	// the transport has no such thing (an in-memory connection).
	RemoteAddr net.Addr
	// LocalAddr is this side's own address of the connection.
	LocalAddr net.Addr
	// TLS is the connection's TLS state, nil on cleartext connections.
	TLS *tls.ConnectionState
	// Draining, on the server, is closed once the connection the stream
	// travels on begins to shut down: gracefully (the server's Shutdown,
	// or the connection reaching its maximum age, which send HTTP/2
	// GOAWAY and let the streams in flight finish) or at once. A handler
	// whose stream may stay open indefinitely (a subscription, a health
	// Watch) ends it when this closes, so that the drain need not wait
	// for its client or time out. It is nil where the transport cannot
	// tell, and on the client.
	Draining <-chan struct{}

	pbuf   []byte
	pseudo [numPseudo][2]uint32 // offset, length+1 (0: absent)
}

// Reset empties the request for reuse, keeping its storage.
func (r *Request) Reset() {
	r.Proto = 0
	r.Header.Reset()
	r.ContentLength = -1
	r.RemoteAddr = nil
	r.LocalAddr = nil
	r.TLS = nil
	r.Draining = nil
	r.pbuf = r.pbuf[:0]
	r.pseudo = [numPseudo][2]uint32{}
}

// CopyFrom makes r a copy of src that owns its memory, for what must
// outlive src's stream.
func (r *Request) CopyFrom(src *Request) {
	r.Proto = src.Proto
	r.Header.CopyFrom(&src.Header)
	r.ContentLength = src.ContentLength
	r.RemoteAddr, r.LocalAddr, r.TLS = src.RemoteAddr, src.LocalAddr, src.TLS
	r.Draining = src.Draining
	r.pbuf = append(r.pbuf[:0], src.pbuf...)
	r.pseudo = src.pseudo
}

func (r *Request) get(i int) []byte {
	p := r.pseudo[i]
	if p[1] == 0 {
		return nil
	}
	return r.pbuf[p[0] : p[0]+p[1]-1 : p[0]+p[1]-1]
}

func (r *Request) has(i int) bool { return r.pseudo[i][1] != 0 }

func (r *Request) set(i int, v []byte) {
	r.pseudo[i] = [2]uint32{uint32(len(r.pbuf)), uint32(len(v)) + 1}
	r.pbuf = append(r.pbuf, v...)
}

func (r *Request) setString(i int, v string) {
	r.pseudo[i] = [2]uint32{uint32(len(r.pbuf)), uint32(len(v)) + 1}
	r.pbuf = append(r.pbuf, v...)
}

// Method returns the request method (":method").
func (r *Request) Method() []byte { return r.get(pMethod) }

// Scheme returns ":scheme" ("http" or "https").
func (r *Request) Scheme() []byte { return r.get(pScheme) }

// Authority returns ":authority" (or the HTTP/1.1 Host field).
func (r *Request) Authority() []byte { return r.get(pAuthority) }

// Path returns ":path", including any query.
func (r *Request) Path() []byte { return r.get(pPath) }

// Protocol returns ":protocol" of an extended CONNECT (RFC 8441), or nil.
func (r *Request) Protocol() []byte { return r.get(pProtocol) }

// HasMethod and the like report whether the pseudo-header was present, which
// tells an empty value from a missing one (RFC 9113 §8.3.1 forbids both for
// most of them).
func (r *Request) HasMethod() bool { return r.has(pMethod) }

// HasScheme reports whether ":scheme" was set.
func (r *Request) HasScheme() bool { return r.has(pScheme) }

// HasAuthority reports whether ":authority" was set.
func (r *Request) HasAuthority() bool { return r.has(pAuthority) }

// HasPath reports whether ":path" was set.
func (r *Request) HasPath() bool { return r.has(pPath) }

// HasProtocol reports whether ":protocol" was set.
func (r *Request) HasProtocol() bool { return r.has(pProtocol) }

// SetMethod sets ":method", copying v.
func (r *Request) SetMethod(v []byte) { r.set(pMethod, v) }

// SetScheme sets ":scheme", copying v.
func (r *Request) SetScheme(v []byte) { r.set(pScheme, v) }

// SetAuthority sets ":authority", copying v.
func (r *Request) SetAuthority(v []byte) { r.set(pAuthority, v) }

// SetPath sets ":path", copying v.
func (r *Request) SetPath(v []byte) { r.set(pPath, v) }

// SetProtocol sets ":protocol", copying v.
func (r *Request) SetProtocol(v []byte) { r.set(pProtocol, v) }

// SetMethodString sets ":method".
func (r *Request) SetMethodString(v string) { r.setString(pMethod, v) }

// SetSchemeString sets ":scheme".
func (r *Request) SetSchemeString(v string) { r.setString(pScheme, v) }

// SetAuthorityString sets ":authority".
func (r *Request) SetAuthorityString(v string) { r.setString(pAuthority, v) }

// SetPathString sets ":path".
func (r *Request) SetPathString(v string) { r.setString(pPath, v) }

// Response is the head of a response.
type Response struct {
	// Status is the HTTP status code; 0 means 200 when sending.
	Status int
	// Header holds the regular fields.
	Header Header
}

// Reset empties the response for reuse, keeping its storage.
func (r *Response) Reset() {
	r.Status = 0
	r.Header.Reset()
}
