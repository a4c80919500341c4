package rpc

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// Header names and values of the gRPC protocol (PROTOCOL-HTTP2.md).
const (
	grpcHeaderContentType    = "content-type"
	grpcHeaderTE             = "te"
	grpcHeaderUserAgent      = "user-agent"
	grpcHeaderTimeout        = "grpc-timeout"
	grpcHeaderEncoding       = "grpc-encoding"
	grpcHeaderAcceptEncoding = "grpc-accept-encoding"
	grpcHeaderStatus         = "grpc-status"
	grpcHeaderMessage        = "grpc-message"
	grpcHeaderDetails        = "grpc-status-details-bin"

	grpcContentType      = "application/grpc"
	grpcContentTypeProto = "application/grpc+proto"
	grpcContentTypeJSON  = "application/grpc+json"
)

// Version is Shockwave's version, sent in the client's user-agent.
const Version = "0.1.0"

// defaultUserAgent follows PROTOCOL-HTTP2.md's User-Agent →
// "grpc-" Language ?("-" Variant) "/" Version, with our own name.
const defaultUserAgent = "shockwave-go/" + Version

// statusCodeStrings holds grpc-status values for the 17 codes so writing a
// status formats nothing.
var statusCodeStrings = func() (s [17]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func codeString(c codes.Code) string {
	if int(c) < len(statusCodeStrings) {
		return statusCodeStrings[c]
	}
	return strconv.FormatUint(uint64(c), 10)
}

// contentSubtype returns the subtype of a gRPC content-type: "" for
// "application/grpc", "proto" for "application/grpc+proto", and so on, as
// grpc-go's grpcutil.ContentSubtype does; ok is false when ct is not gRPC.
// The result is a view into ct.
func contentSubtype(ct []byte) (sub []byte, ok bool) {
	if len(ct) < len(grpcContentType) || !strings.EqualFold(string(ct[:len(grpcContentType)]), grpcContentType) {
		return nil, false
	}
	if len(ct) == len(grpcContentType) {
		return nil, true
	}
	switch ct[len(grpcContentType)] {
	case '+', ';':
		return ct[len(grpcContentType)+1:], true
	}
	return nil, false
}

// codecFor returns the codec of a content subtype, the proto codec for
// none, and nil for an unknown one.
func codecFor(sub []byte) Codec {
	if len(sub) == 0 {
		return ProtoCodec{}
	}
	if c, ok := codecs[string(sub)]; ok {
		return c
	}
	return codecs[strings.ToLower(string(sub))]
}

// responseContentType is the content-type a server answers with: the
// request's subtype echoed, as grpc-go does.
func responseContentType(sub []byte, c Codec) string {
	switch {
	case len(sub) == 0:
		return grpcContentType
	case c.Name() == CodecNameProto:
		return grpcContentTypeProto
	case c.Name() == CodecNameJSON:
		return grpcContentTypeJSON
	}
	return grpcContentType + "+" + c.Name()
}

// requestContentType is the content-type a client sends for codec c.
func requestContentType(c Codec) string {
	switch c.Name() {
	case CodecNameProto:
		return grpcContentType
	case CodecNameJSON:
		return grpcContentTypeJSON
	}
	return grpcContentType + "+" + c.Name()
}

// appendGrpcMessage appends msg percent-encoded as PROTOCOL-HTTP2.md asks of
// grpc-message: bytes outside %x20-%x7E, and '%' itself, become %XX of the
// UTF-8 encoding; invalid UTF-8 is first replaced by U+FFFD.
func appendGrpcMessage(dst []byte, msg string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(msg); {
		c := msg[i]
		if c >= ' ' && c <= '~' && c != '%' {
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(msg[i:])
		var enc [utf8.UTFMax]byte
		n := utf8.EncodeRune(enc[:], r) // RuneError for invalid input
		for _, b := range enc[:n] {
			dst = append(dst, '%', hex[b>>4], hex[b&15])
		}
		i += size
	}
	return dst
}

// needsEncoding reports whether msg must be percent-encoded.
func needsEncoding(msg string) bool {
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c < ' ' || c > '~' || c == '%' {
			return true
		}
	}
	return false
}

// decodeGrpcMessage undoes the percent-encoding of grpc-message.
// PROTOCOL-HTTP2.md asks decoders to be tolerant: a '%' not followed by two
// hex digits is kept as it is.
func decodeGrpcMessage(v []byte) string {
	i := 0
	for i < len(v) && v[i] != '%' {
		i++
	}
	if i == len(v) {
		return string(v)
	}
	out := make([]byte, 0, len(v))
	out = append(out, v[:i]...)
	for ; i < len(v); i++ {
		c := v[i]
		if c == '%' && i+2 < len(v) {
			if hi, ok := unhex(v[i+1]); ok {
				if lo, ok := unhex(v[i+2]); ok {
					out = append(out, hi<<4|lo)
					i += 2
					continue
				}
			}
		}
		out = append(out, c)
	}
	return string(out)
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendStatus adds grpc-status, grpc-message and grpc-status-details-bin
// for st to h. scratch is reused for the encodings and returned.
func appendStatus(h *transport.Header, st *status.Status, scratch []byte) []byte {
	h.AddString(grpcHeaderStatus, codeString(st.Code()))
	if msg := st.Message(); msg != "" {
		if needsEncoding(msg) {
			scratch = appendGrpcMessage(scratch[:0], msg)
			h.Add([]byte(grpcHeaderMessage), scratch)
		} else {
			h.AddString(grpcHeaderMessage, msg)
		}
	}
	if len(st.AnyDetails()) > 0 {
		raw, err := st.AppendBinary(nil)
		if err == nil {
			scratch = metadata.AppendBinHeader(scratch[:0], raw)
			h.Add([]byte(grpcHeaderDetails), scratch)
		}
	}
	return scratch
}

// statusFromHeader reads the status of a call from trailers (or the head of
// a Trailers-Only response). ok is false when h has no grpc-status.
func statusFromHeader(h *transport.Header) (st *status.Status, ok bool) {
	v, ok := h.Get(grpcHeaderStatus)
	if !ok {
		return nil, false
	}
	code, valid := parseCode(v)
	if !valid {
		return status.New(codes.Unknown, "grpc: malformed grpc-status: "+string(v)), true
	}
	var msg string
	if m, ok := h.Get(grpcHeaderMessage); ok {
		msg = decodeGrpcMessage(m)
	}
	// grpc-status-details-bin is used only when its code is grpc-status's;
	// one that disagrees (a proxy rewrote the status and passed the
	// trailer on, say) fails the call with INTERNAL, as in grpc-go
	// (internal/status.NewWithProto), rather than lend details to
	// another code. One that does not decode is ignored.
	var ds *status.Status
	if d, ok := h.Get(grpcHeaderDetails); ok {
		if raw, err := metadata.AppendDecodeBinHeader(nil, d); err == nil {
			if ds, err = status.Unmarshal(raw); err == nil && ds.Code() != code {
				return status.New(codes.Internal, "grpc-status-details-bin mismatch: grpc-status="+code.String()+
					", grpc-message="+strconv.Quote(msg)+", grpc-status-details-bin code="+ds.Code().String()), true
			}
		}
	}
	if code == codes.OK {
		return nil, true
	}
	st = status.New(code, msg)
	if len(ds.AnyDetails()) > 0 {
		st = st.WithAnyDetails(ds.AnyDetails()...)
	}
	return st, true
}

func parseCode(v []byte) (codes.Code, bool) {
	if len(v) == 0 || len(v) > 10 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		return 0, false
	}
	return codes.Code(n), true
}

// isReservedHeader reports whether a header field is the protocol's, not
// metadata: pseudo-headers and the fields PROTOCOL-HTTP2.md defines. The set
// is grpc-go's, so the same metadata reaches handlers on both.
func isReservedHeader(name string) bool {
	if name != "" && name[0] == ':' {
		return true
	}
	switch name {
	case "content-type", "user-agent", "grpc-message-type", "grpc-encoding",
		"grpc-message", "grpc-status", "grpc-timeout", "grpc-status-details-bin", "te":
		return true
	}
	return false
}

// isConnectionHeader reports fields RFC 9113 §8.2.2 forbids in HTTP/2; they
// never go into metadata that is sent.
func isConnectionHeader(name string) bool {
	switch name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host":
		return true
	}
	return false
}

// appendMetadata adds md to h as custom metadata: reserved and invalid keys
// are skipped, "-bin" values are base64-encoded (PROTOCOL-HTTP2.md: Binary
// header values are base64 without padding on send).
func appendMetadata(h *transport.Header, key, value string, scratch []byte) []byte {
	if isReservedHeader(key) || isConnectionHeader(key) {
		return scratch
	}
	if metadata.IsBinaryKey(key) {
		scratch = metadata.AppendBinHeader(scratch[:0], []byte(value))
		h.Add([]byte(key), scratch)
		return scratch
	}
	h.AddString(key, value)
	return scratch
}

// headerToMD converts received header fields into metadata: reserved fields
// left out (the server keeps user-agent and content-type, as grpc-go does),
// -bin values base64-decoded (a field whose value does not decode is
// skipped), and, on the server, :authority added.
//
// Every value is sliced from one string and every value slice from one
// backing array, and common names are constants, so a call's metadata costs
// a handful of allocations rather than two or three per field: handlers and
// interceptors that read metadata on every call (authentication, say) make
// this a hot path.
func headerToMD(h *transport.Header, authority []byte, server bool) metadata.MD {
	n := h.Len()
	md := make(metadata.MD, n+1)
	size := len(authority)
	for i := 0; i < n; i++ {
		_, v := h.At(i)
		size += len(v) // a -bin value decodes to fewer bytes than it has
	}
	type span struct {
		name     string
		off, end int
	}
	var inline [16]span
	spans := inline[:0]
	buf := make([]byte, 0, size)
	if server && len(authority) > 0 {
		buf = append(buf, authority...)
		spans = append(spans, span{":authority", 0, len(buf)})
	}
	for i := 0; i < n; i++ {
		nb, v := h.At(i)
		if isReservedHeader(string(nb)) && !(server && (string(nb) == "user-agent" || string(nb) == "content-type")) {
			continue
		}
		off := len(buf)
		if metadata.IsBinaryKey(string(nb)) {
			var err error
			if buf, err = metadata.AppendDecodeBinHeader(buf, v); err != nil {
				buf = buf[:off]
				continue
			}
		} else {
			buf = append(buf, v...)
		}
		spans = append(spans, span{mdKey(nb), off, len(buf)})
	}
	// buf is never written again, so the string can share its bytes.
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	vals := make([]string, len(spans))
	for i, sp := range spans {
		vals[i] = all[sp.off:sp.end]
		if prev, ok := md[sp.name]; ok {
			md[sp.name] = append(prev, vals[i])
		} else {
			// Capacity 1: appending to a repeated key copies rather than
			// overwriting the next key's value.
			md[sp.name] = vals[i : i+1 : i+1]
		}
	}
	return md
}

// mdKey returns name as a string, without allocating for the names most
// calls carry.
func mdKey(name []byte) string {
	switch string(name) {
	case "user-agent":
		return "user-agent"
	case "content-type":
		return "content-type"
	case "authorization":
		return "authorization"
	case "grpc-accept-encoding":
		return "grpc-accept-encoding"
	case "accept-encoding":
		return "accept-encoding"
	case "x-request-id":
		return "x-request-id"
	case "traceparent":
		return "traceparent"
	}
	return string(name)
}

// toStatus converts an error from a transport stream, a codec or a
// handler into a status error. ctx is the call's context: once it is done,
// its error decides (a call cancelled or past its deadline reports that,
// whatever the stream's reset says).
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err
	}
	if ctx != nil {
		if cerr := ctx.Err(); cerr != nil {
			return status.FromContextError(cerr).Err()
		}
	}
	var se *transport.StreamError
	if errors.As(err, &se) {
		code := streamErrorCode(se)
		if code == codes.Canceled && ctx != nil {
			// The server resets with CANCEL when the deadline it was given
			// passes, which can arrive just before our own timer fires:
			// report what happened, as grpc-go does.
			if dl, ok := ctx.Deadline(); ok && !dl.After(time.Now()) {
				return status.Error(codes.DeadlineExceeded, context.DeadlineExceeded.Error())
			}
		}
		return status.Error(code, "stream terminated by RST_STREAM with error code: "+se.Code.String())
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	case errors.Is(err, transport.ErrHeaderListSize):
		// Metadata too large for the peer: this call's fault, not the
		// connection's (grpc-go: INTERNAL too).
		return status.Error(codes.Internal, err.Error())
	case errors.Is(err, transport.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return status.Error(codes.Unavailable, "connection closed: "+err.Error())
	}
	// Anything else the transport reports is the connection failing: a
	// network error, a GOAWAY with an error code, a protocol error.
	// PROTOCOL-HTTP2.md: connection loss is UNAVAILABLE.
	return status.Error(codes.Unavailable, "connection error: "+err.Error())
}

// streamErrorCode maps an HTTP/2 reset to a gRPC code (PROTOCOL-HTTP2.md,
// "Errors").
func streamErrorCode(se *transport.StreamError) codes.Code {
	switch se.Code {
	case transport.RefusedStream:
		return codes.Unavailable
	case transport.Cancel:
		return codes.Canceled
	case transport.EnhanceYourCalm:
		return codes.ResourceExhausted
	case transport.InadequateSecurity:
		return codes.PermissionDenied
	}
	return codes.Internal
}
