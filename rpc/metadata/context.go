package metadata

import (
	"context"
	"strconv"
	"strings"
)

type mdIncomingKey struct{}
type mdOutgoingKey struct{}

// rawMD is outgoing metadata as attached to a context: the MD given to
// NewOutgoingContext and the pairs of each later AppendToOutgoingContext,
// kept apart so appending does not copy the map on every call.
type rawMD struct {
	md    MD
	added [][]string
}

// NewIncomingContext returns a context carrying md as the metadata a server
// received. The server calls it; tests of handlers call it too. md must not
// be changed afterwards.
func NewIncomingContext(ctx context.Context, md MD) context.Context {
	return context.WithValue(ctx, mdIncomingKey{}, md)
}

// NewOutgoingContext returns a context carrying md as the metadata a client
// call sends, replacing any outgoing metadata ctx had, including pairs from
// AppendToOutgoingContext. md must not be changed afterwards.
func NewOutgoingContext(ctx context.Context, md MD) context.Context {
	return context.WithValue(ctx, mdOutgoingKey{}, rawMD{md: md})
}

// AppendToOutgoingContext returns a context whose outgoing metadata is that
// of ctx plus the alternating keys and values kv. It panics if len(kv) is
// odd.
func AppendToOutgoingContext(ctx context.Context, kv ...string) context.Context {
	if len(kv)%2 == 1 {
		panic("metadata: AppendToOutgoingContext got an odd number of input pairs for metadata: " + strconv.Itoa(len(kv)))
	}
	md, _ := ctx.Value(mdOutgoingKey{}).(rawMD)
	added := make([][]string, len(md.added)+1)
	copy(added, md.added)
	kvCopy := make([]string, 0, len(kv))
	for i := 0; i < len(kv); i += 2 {
		kvCopy = append(kvCopy, strings.ToLower(kv[i]), kv[i+1])
	}
	added[len(added)-1] = kvCopy
	return context.WithValue(ctx, mdOutgoingKey{}, rawMD{md: md.md, added: added})
}

// FromIncomingContext returns a copy of the metadata the server received,
// with keys lower-cased, and whether ctx carried any.
func FromIncomingContext(ctx context.Context) (MD, bool) {
	md, ok := ctx.Value(mdIncomingKey{}).(MD)
	if !ok {
		return nil, false
	}
	out := make(MD, len(md))
	for k, v := range md {
		// The MD may have been built by hand rather than with New or Pairs.
		key := strings.ToLower(k)
		out[key] = append(out[key], v...)
	}
	return out, true
}

// ValueFromIncomingContext returns a copy of the received values for key,
// matched without regard to case, or nil. It copies only those values, not
// the whole MD.
func ValueFromIncomingContext(ctx context.Context, key string) []string {
	md, ok := ctx.Value(mdIncomingKey{}).(MD)
	if !ok {
		return nil
	}
	if v, ok := md[key]; ok {
		return copyOf(v)
	}
	for k, v := range md {
		if strings.EqualFold(k, key) {
			return copyOf(v)
		}
	}
	return nil
}

// FromOutgoingContext returns a copy of the metadata a client call on ctx
// would send, with keys lower-cased, and whether ctx carried any.
func FromOutgoingContext(ctx context.Context) (MD, bool) {
	raw, ok := ctx.Value(mdOutgoingKey{}).(rawMD)
	if !ok {
		return nil, false
	}
	n := len(raw.md)
	for _, a := range raw.added {
		n += len(a) / 2
	}
	out := make(MD, n)
	for k, v := range raw.md {
		key := strings.ToLower(k)
		out[key] = append(out[key], v...)
	}
	for _, a := range raw.added {
		for i := 0; i < len(a); i += 2 {
			out[a[i]] = append(out[a[i]], a[i+1])
		}
	}
	return out, true
}

// ValueFromOutgoingContext returns a copy of the outgoing values for key,
// matched without regard to case, or nil.
func ValueFromOutgoingContext(ctx context.Context, key string) []string {
	raw, ok := ctx.Value(mdOutgoingKey{}).(rawMD)
	if !ok {
		return nil
	}
	key = strings.ToLower(key)
	var vals []string
	for k, v := range raw.md {
		if strings.EqualFold(k, key) {
			vals = append(vals, v...)
		}
	}
	for _, a := range raw.added {
		for i := 0; i < len(a); i += 2 {
			if a[i] == key {
				vals = append(vals, a[i+1])
			}
		}
	}
	return vals
}

// RangeOutgoing calls fn for each outgoing key and value of ctx, in the
// order FromOutgoingContext would list a key's values, and reports whether
// ctx carried outgoing metadata. Unlike FromOutgoingContext it copies
// nothing, so a client can write headers straight from the context; keys
// are passed as stored, which is lower-case unless the MD was built by hand.
func RangeOutgoing(ctx context.Context, fn func(key, value string)) bool {
	raw, ok := ctx.Value(mdOutgoingKey{}).(rawMD)
	if !ok {
		return false
	}
	for k, vs := range raw.md {
		for _, v := range vs {
			fn(k, v)
		}
	}
	for _, a := range raw.added {
		for i := 0; i < len(a); i += 2 {
			fn(a[i], a[i+1])
		}
	}
	return true
}
