package h2

import (
	"strconv"

	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/transport"
)

// What a header block being decoded is.
const (
	blockRequest  = iota // server: a request head
	blockTrailers        // either side: trailers
	blockResponse        // client: a response head
	blockDiscard         // a block decoded only to keep HPACK in sync
)

// Pseudo-header bits for duplicate detection.
const (
	seenMethod = 1 << iota
	seenScheme
	seenAuthority
	seenPath
	seenProtocol
	seenStatus
)

// headerDecoder receives the fields of one header block from the HPACK
// decoder. It belongs to the connection's reader goroutine; its emit method
// value is made once per connection, so decoding a block allocates nothing.
type headerDecoder struct {
	kind    int
	req     *transport.Request // blockRequest
	hdr     *transport.Header  // regular fields (all kinds but discard)
	status  int                // blockResponse
	seen    int
	regular bool // a regular field has been seen
	bad     bool // the block is malformed (RFC 9113 §8.1.1)
	// contentLength is the content-length value, -1 if absent.
	contentLength int64
}

func (d *headerDecoder) reset(kind int, req *transport.Request, hdr *transport.Header) {
	*d = headerDecoder{kind: kind, req: req, hdr: hdr, contentLength: -1}
}

// emit takes one decoded field, validating it as RFC 9113 §8.2 and §8.3
// require. The first violation marks the block malformed; the rest of the
// block is still consumed (the HPACK decoder must see it all, §4.3).
func (d *headerDecoder) emit(f hpack.Field) {
	if d.bad || d.kind == blockDiscard {
		return
	}
	name, value := f.Name, f.Value
	if len(name) == 0 {
		d.bad = true
		return
	}
	if name[0] == ':' {
		d.pseudo(name, value)
		return
	}
	d.regular = true
	// RFC 9113 §8.2.1: field names are lower case tokens, values carry no
	// NUL, CR or LF and no leading or trailing whitespace.
	if !validName(name) || !validValue(value) {
		d.bad = true
		return
	}
	switch string(name) {
	// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		d.bad = true
		return
	case "te":
		// RFC 9113 §8.2.2: TE may appear in a request, only as "trailers".
		if string(value) != "trailers" {
			d.bad = true
			return
		}
	case "content-length":
		// RFC 9113 §8.1.1: the declared length must match the DATA; a
		// repeated field must repeat the same value.
		n, ok := parseContentLength(value)
		if !ok || (d.contentLength >= 0 && d.contentLength != n) {
			d.bad = true
			return
		}
		d.contentLength = n
	}
	if d.hdr != nil {
		d.hdr.Add(name, value)
	}
}

func (d *headerDecoder) pseudo(name, value []byte) {
	// RFC 9113 §8.3: pseudo-header fields come first, only in heads, each
	// at most once, and only the ones defined for the message kind.
	if d.regular || d.kind == blockTrailers {
		d.bad = true
		return
	}
	var bit int
	switch d.kind {
	case blockRequest:
		switch string(name) {
		case ":method":
			bit = seenMethod
			d.req.SetMethod(value)
		case ":scheme":
			bit = seenScheme
			d.req.SetScheme(value)
		case ":authority":
			bit = seenAuthority
			d.req.SetAuthority(value)
		case ":path":
			bit = seenPath
			d.req.SetPath(value)
		case ":protocol":
			bit = seenProtocol
			d.req.SetProtocol(value)
		default:
			d.bad = true
			return
		}
	case blockResponse:
		if string(name) != ":status" {
			d.bad = true
			return
		}
		bit = seenStatus
		st, err := strconv.Atoi(string(value))
		if err != nil || len(value) != 3 || st < 100 {
			d.bad = true
			return
		}
		d.status = st
	}
	if d.seen&bit != 0 {
		d.bad = true
		return
	}
	d.seen |= bit
}

// finishRequest applies the rules on a whole request head (RFC 9113
// §8.3.1): :method, :scheme and a non-empty :path are required except for
// CONNECT, which has :authority only (or, extended CONNECT of RFC 8441,
// with :protocol, all of them).
func (d *headerDecoder) finishRequest() bool {
	if d.bad {
		return false
	}
	r := d.req
	if d.seen&seenMethod == 0 {
		return false
	}
	if string(r.Method()) == "CONNECT" && d.seen&seenProtocol == 0 {
		return d.seen&(seenScheme|seenPath) == 0 && d.seen&seenAuthority != 0
	}
	if d.seen&seenProtocol != 0 && string(r.Method()) != "CONNECT" {
		return false
	}
	if d.seen&(seenScheme|seenPath) != seenScheme|seenPath {
		return false
	}
	p := r.Path()
	if len(p) == 0 {
		return false
	}
	// RFC 9113 §8.3.1: "*" only for OPTIONS, else an origin form.
	if p[0] != '/' && !(string(p) == "*" && string(r.Method()) == "OPTIONS") {
		return false
	}
	r.ContentLength = d.contentLength
	return true
}

// finishResponse checks a response head: exactly one :status.
func (d *headerDecoder) finishResponse() bool {
	return !d.bad && d.seen&seenStatus != 0
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// tokenLower marks the characters allowed in an HTTP/2 field name: the
// token characters of RFC 9110 §5.6.2 without upper case (RFC 9113 §8.2.1).
var tokenLower = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func validName(b []byte) bool {
	for _, c := range b {
		if !tokenLower[c] {
			return false
		}
	}
	return true
}

func validValue(b []byte) bool {
	if len(b) > 0 && (isWS(b[0]) || isWS(b[len(b)-1])) {
		return false
	}
	for _, c := range b {
		if c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}

func isWS(c byte) bool { return c == ' ' || c == '\t' }

// connectionSpecific reports fields that must not be sent in HTTP/2
// (RFC 9113 §8.2.2); the encoder drops them from heads given to it.
func connectionSpecific(name []byte) bool {
	switch string(name) {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		return true
	}
	return false
}

var (
	nameStatus    = []byte(":status")
	nameMethod    = []byte(":method")
	nameScheme    = []byte(":scheme")
	nameAuthority = []byte(":authority")
	namePath      = []byte(":path")
	nameProtocol  = []byte(":protocol")
)

// statusText holds the three-digit form of every status code, so that
// encoding :status allocates nothing.
var statusText = func() (t [600][]byte) {
	for i := 100; i < 600; i++ {
		t[i] = []byte(strconv.Itoa(i))
	}
	return t
}()

// appendFields HPACK-encodes the regular fields of h into dst.
func appendFields(enc *hpack.Encoder, dst []byte, h *transport.Header) []byte {
	for i := 0; i < h.Len(); i++ {
		name, value := h.At(i)
		if connectionSpecific(name) {
			continue
		}
		dst = enc.AppendField(dst, hpack.Field{Name: name, Value: value})
	}
	return dst
}

// appendResponseHead encodes a response head: :status, then the fields.
func appendResponseHead(enc *hpack.Encoder, dst []byte, r *transport.Response) []byte {
	st := r.Status
	if st == 0 {
		st = 200
	}
	var v []byte
	if st >= 100 && st < 600 {
		v = statusText[st]
	} else {
		v = statusText[500]
	}
	dst = enc.AppendField(dst, hpack.Field{Name: nameStatus, Value: v})
	return appendFields(enc, dst, &r.Header)
}

// statusFieldSize is what :status adds to the size of a response head's
// header list: name, a 3-digit value and 32 (RFC 9113 §6.5.2).
const statusFieldSize = len(":status") + 3 + 32

// requestHeadSize is the size of r's head as a header list, pseudo-header
// fields included (RFC 9113 §6.5.2: each field's name and value and 32).
func requestHeadSize(r *transport.Request) int64 {
	n := int64(r.Header.Size()) + int64(len(nameMethod)+len(r.Method())+32)
	if r.HasScheme() {
		n += int64(len(nameScheme) + len(r.Scheme()) + 32)
	}
	if r.HasAuthority() {
		n += int64(len(nameAuthority) + len(r.Authority()) + 32)
	}
	if r.HasPath() {
		n += int64(len(namePath) + len(r.Path()) + 32)
	}
	if r.HasProtocol() {
		n += int64(len(nameProtocol) + len(r.Protocol()) + 32)
	}
	return n
}

// appendRequestHead encodes a request head: the pseudo-header fields
// first (RFC 9113 §8.3), then the fields.
func appendRequestHead(enc *hpack.Encoder, dst []byte, r *transport.Request) []byte {
	dst = enc.AppendField(dst, hpack.Field{Name: nameMethod, Value: r.Method()})
	if r.HasScheme() {
		dst = enc.AppendField(dst, hpack.Field{Name: nameScheme, Value: r.Scheme()})
	}
	if r.HasAuthority() {
		dst = enc.AppendField(dst, hpack.Field{Name: nameAuthority, Value: r.Authority()})
	}
	if r.HasPath() {
		dst = enc.AppendField(dst, hpack.Field{Name: namePath, Value: r.Path()})
	}
	if r.HasProtocol() {
		dst = enc.AppendField(dst, hpack.Field{Name: nameProtocol, Value: r.Protocol()})
	}
	return appendFields(enc, dst, &r.Header)
}
