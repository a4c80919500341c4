// Package metadata carries gRPC custom metadata: the request headers a client
// sends and the headers and trailers a server returns.
//
// The API is google.golang.org/grpc/metadata's, so code written against
// grpc-go compiles against this package after an import change. Keys are
// lower-case, as HTTP/2 requires of header names (RFC 9113 §8.2.1); keys that
// end in "-bin" carry binary values, base64-encoded on the wire.
package metadata

import (
	"strconv"
	"strings"
)

// MD maps lower-case metadata keys to their values, in the order received
// or added. Build one with New or Pairs so keys are normalised.
type MD map[string][]string

// New returns an MD holding the pairs of m, with keys lower-cased.
//
// Keys may contain only the ASCII characters 0-9, a-z (A-Z are lower-cased),
// '-', '_' and '.'. Keys that start with "grpc-" are reserved for the
// protocol.
func New(m map[string]string) MD {
	md := make(MD, len(m))
	for k, v := range m {
		key := strings.ToLower(k)
		md[key] = append(md[key], v)
	}
	return md
}

// Pairs returns an MD from alternating keys and values, with keys
// lower-cased; a key given twice keeps both values in order. It panics if
// len(kv) is odd, as the caller's code, not its input, is wrong.
func Pairs(kv ...string) MD {
	if len(kv)%2 == 1 {
		panic("metadata: Pairs got an odd number of input pairs for metadata: " + strconv.Itoa(len(kv)))
	}
	md := make(MD, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		key := strings.ToLower(kv[i])
		md[key] = append(md[key], kv[i+1])
	}
	return md
}

// Len returns the number of keys in md.
func (md MD) Len() int { return len(md) }

// Copy returns a deep copy of md, so the copy can be changed without
// changing md.
func (md MD) Copy() MD {
	out := make(MD, len(md))
	for k, v := range md {
		out[k] = copyOf(v)
	}
	return out
}

// Get returns the values for key k, which is lower-cased first.
func (md MD) Get(k string) []string {
	return md[strings.ToLower(k)]
}

// Set replaces the values for key k, which is lower-cased first. Setting no
// values leaves md unchanged, as in grpc-go; use Delete to remove a key.
func (md MD) Set(k string, vals ...string) {
	if len(vals) == 0 {
		return
	}
	md[strings.ToLower(k)] = vals
}

// Append adds vals after the values already stored for key k, which is
// lower-cased first.
func (md MD) Append(k string, vals ...string) {
	if len(vals) == 0 {
		return
	}
	k = strings.ToLower(k)
	md[k] = append(md[k], vals...)
}

// Delete removes key k, which is lower-cased first.
func (md MD) Delete(k string) {
	delete(md, strings.ToLower(k))
}

// Join returns one MD holding the values of all mds; for a key present in
// several, values keep the order of the arguments.
func Join(mds ...MD) MD {
	out := MD{}
	for _, md := range mds {
		for k, v := range md {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

func copyOf(v []string) []string {
	vals := make([]string, len(v))
	copy(vals, v)
	return vals
}

// IsValidKey reports whether k may be sent as a metadata key: non-empty and
// made only of 0-9, a-z, '-', '_' and '.' (gRPC PROTOCOL-HTTP2.md,
// Custom-Metadata). Upper-case letters are rejected because HTTP/2 forbids
// them in header names; New, Pairs and the MD methods lower-case keys.
func IsValidKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// IsValidValue reports whether v may be sent as the value of a key that does
// not end in "-bin": printable ASCII, space included (gRPC
// PROTOCOL-HTTP2.md, ASCII-Value). Binary keys carry any bytes once encoded
// with EncodeBinHeader.
func IsValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// IsBinaryKey reports whether k names a binary header, whose values are
// base64-encoded on the wire.
func IsBinaryKey(k string) bool {
	return strings.HasSuffix(k, "-bin")
}
