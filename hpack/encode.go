package hpack

import (
	"bytes"
	"math"
)

// An Encoder encodes header fields for one direction of one connection
// (RFC 7541 §3), keeping its dynamic table in step with the peer's decoder.
// It is not safe for concurrent use.
//
// # Indexing policy
//
// A field already in the static or dynamic table is sent as an index. Any
// other field is a literal, and the policy decides whether it also enters
// the dynamic table (RFC 7541 §6.2):
//
//   - Never indexed (§6.2.3, §7.1.3): fields marked Sensitive, authorization
//     and proxy-authorization, and cookies shorter than 20 bytes. These are
//     the secrets that a compression-ratio attack (CRIME-style, §7.1) could
//     guess a byte at a time; short cookies are the guessable ones, long
//     ones have too much entropy and repeat on every request, so indexing
//     them pays (the same rule as nghttp2).
//   - Without indexing: values that change on almost every message, whose
//     insertion would only evict useful entries: set-cookie, date, content-
//     length, etag and the like, grpc-timeout (a deadline's remaining time)
//     and grpc-message, and :path values with a query string. The first such
//     field whose name is in neither table is still indexed, so that later
//     ones can refer to its name. Fields whose entry would take more than 3/4
//     of the table are never indexed either: they would flush it.
//   - With incremental indexing: everything else. Unlike nghttp2 (which
//     never indexes :path), a query-less :path is indexed: in gRPC it is
//     /pkg.Service/Method, the same on every call of a method, and indexing
//     turns those ~20-60 bytes into one byte per request. Browser asset
//     paths are mostly fetched once, but they are also short-lived in the
//     table, while :authority, user-agent, accept and cookie stay.
type Encoder struct {
	t dynTable
	// limit caps the table size; it is the size given to NewEncoder.
	limit uint32
	// pending is set by SetMaxDynamicTableSize: the next field is preceded
	// by size updates, minSize first if the size dipped below the final
	// one in between (RFC 7541 §4.2). minSize is the smallest size set
	// since the last update was sent, MaxUint32 if none.
	pending bool
	minSize uint32

	// The lookup index over the dynamic table: two hash tables of chains,
	// one by (name, value) and one by name. A bucket holds 1 + the
	// sequence number of its newest entry, links[seq&mask] the next older
	// entry in each chain. Evicted entries need no removal: a chain is
	// ordered newest first, so a walk stops at the first sequence number
	// older than the table's oldest entry.
	links      []encLink
	pairHead   []uint64
	nameHead   []uint64
	bucketMask uint64

	// rep and huff force a representation, for tests only.
	rep  repMode
	huff huffMode
}

type encLink struct {
	pairHash, nameHash uint64
	pairNext, nameNext uint64
}

// NewEncoder returns an Encoder with a dynamic table of maxTableSize bytes,
// which is also the most it will ever use. Pass the size the peer's
// decoder starts with: 4096, the initial SETTINGS_HEADER_TABLE_SIZE of RFC
// 9113 §6.5.2. A smaller value is safe without telling the peer (it only
// keeps entries the encoder no longer refers to), a larger one is not.
func NewEncoder(maxTableSize uint32) *Encoder {
	e := &Encoder{limit: maxTableSize, minSize: math.MaxUint32}
	e.resize(maxTableSize)
	return e
}

// Reset empties the dynamic table and restores its initial size, as on a
// new connection.
func (e *Encoder) Reset() {
	e.t.clear()
	e.resize(e.limit)
	e.pending = false
	e.minSize = math.MaxUint32
}

// SetMaxDynamicTableSize applies a new SETTINGS_HEADER_TABLE_SIZE from the
// peer. The table shrinks at once (never above the limit given to
// NewEncoder) and the next AppendField opens with the dynamic table size
// update(s) RFC 7541 §4.2 requires: the smallest size since the last field
// if it was below the final one, then the final size. Call it between
// header blocks.
func (e *Encoder) SetMaxDynamicTableSize(n uint32) {
	n = min(n, e.limit)
	e.minSize = min(e.minSize, n)
	e.pending = true
	e.resize(n)
}

// resize sets the table size and keeps the lookup index the same shape as
// the entry ring (allocating only when it grows).
func (e *Encoder) resize(n uint32) {
	e.t.setMaxSize(n)
	if len(e.links) == len(e.t.ents) {
		return
	}
	links := make([]encLink, len(e.t.ents))
	for s := e.t.first; s < e.t.next; s++ {
		links[s&e.t.mask] = e.links[s&uint64(len(e.links)-1)]
	}
	e.links = links
	nb := uint64(2 * len(links))
	e.pairHead = make([]uint64, nb)
	e.nameHead = make([]uint64, nb)
	e.bucketMask = nb - 1
	for s := e.t.first; s < e.t.next; s++ {
		e.link(s)
	}
}

// link adds entry seq, whose hashes are in links, to the index.
func (e *Encoder) link(seq uint64) {
	l := &e.links[seq&e.t.mask]
	pb, nb := l.pairHash&e.bucketMask, l.nameHash&e.bucketMask
	l.pairNext, l.nameNext = e.pairHead[pb], e.nameHead[nb]
	e.pairHead[pb], e.nameHead[nb] = seq+1, seq+1
}

// findName returns the newest dynamic entry named name.
func (e *Encoder) findName(name []byte, nh uint64) (uint64, bool) {
	for s := e.nameHead[nh&e.bucketMask]; s > e.t.first; {
		seq := s - 1
		l := &e.links[seq&e.t.mask]
		if l.nameHash == nh {
			if n, _ := e.t.entry(seq); bytes.Equal(n, name) {
				return seq, true
			}
		}
		s = l.nameNext
	}
	return 0, false
}

// dynIndex is the RFC 7541 §2.3.3 index of dynamic entry seq.
func (e *Encoder) dynIndex(seq uint64) uint64 {
	return staticTableLen + e.t.next - seq
}

// Representation choices for a field not found in the tables: repAuto and
// huffAuto apply the policy; the RFC example tests force others.
type repMode uint8

const (
	repAuto repMode = iota
	repIncremental
	repWithout
	repNever
)

type huffMode uint8

const (
	huffAuto huffMode = iota
	huffAlways
	huffNever
)

// AppendField appends the encoding of f to dst, preceded by any pending
// dynamic table size update, and returns the extended buffer. It does not
// allocate when dst has room.
func (e *Encoder) AppendField(dst []byte, f Field) []byte {
	if e.pending {
		dst = e.appendSizeUpdates(dst)
	}
	ph := hashField(f.Name, f.Value)
	if !f.Sensitive && e.rep != repNever {
		// RFC 7541 §6.1: a field in either table is one index. A
		// field marked Sensitive is sent as a literal even then, so the
		// never-indexed flag travels with it (§7.1.3). Only empty values,
		// pseudo-headers and accept-encoding can match a static entry.
		if len(f.Value) == 0 || len(f.Name) > 0 && f.Name[0] == ':' || len(f.Name) == len("accept-encoding") {
			if i := staticPair(f.Name, f.Value, ph); i != 0 {
				return append(dst, 0x80|byte(i))
			}
		}
		// The dynamic table's chain for ph, newest first (see Encoder).
		for s := e.pairHead[ph&e.bucketMask]; s > e.t.first; {
			seq := s - 1
			l := &e.links[seq&e.t.mask]
			if l.pairHash == ph {
				en := e.t.ents[seq&e.t.mask]
				if int(en.nameLen) == len(f.Name) && int(en.valueLen) == len(f.Value) {
					v := en.off + en.nameLen
					if string(e.t.buf[en.off:v]) == string(f.Name) && string(e.t.buf[v:v+en.valueLen]) == string(f.Value) {
						return appendInt(dst, 0x80, 7, e.dynIndex(seq))
					}
				}
			}
			s = l.pairNext
		}
	}
	return e.appendLiteral(dst, &f, ph)
}

// appendField is AppendField with the representation forced, for the
// RFC 7541 Appendix C tests.
func (e *Encoder) appendField(dst []byte, f Field, rep repMode, huff huffMode) []byte {
	e.rep, e.huff = rep, huff
	dst = e.AppendField(dst, f)
	e.rep, e.huff = repAuto, huffAuto
	return dst
}

func (e *Encoder) appendSizeUpdates(dst []byte) []byte {
	if e.minSize < e.t.maxSize {
		dst = appendInt(dst, 0x20, 5, uint64(e.minSize))
	}
	dst = appendInt(dst, 0x20, 5, uint64(e.t.maxSize))
	e.pending = false
	e.minSize = math.MaxUint32
	return dst
}

// appendLiteral appends f as a literal (RFC 7541 §6.2), choosing the
// representation by the indexing policy unless rep forces one, and adds it
// to the dynamic table when indexed.
func (e *Encoder) appendLiteral(dst []byte, f *Field, ph uint64) []byte {
	rep, huff := e.rep, e.huff
	nh := hashName(f.Name)
	nameIdx, _ := staticName(f.Name, nh)
	if nameIdx == 0 && e.t.len() > 0 {
		if seq, ok := e.findName(f.Name, nh); ok {
			nameIdx = e.dynIndex(seq)
		}
	}
	if rep == repAuto {
		rep = repIncremental
		size := uint64(len(f.Name)) + uint64(len(f.Value)) + entryOverhead
		switch {
		case f.Sensitive || neverIndexed(f.Name, f.Value):
			rep = repNever
		case size > uint64(e.t.maxSize)*3/4:
			rep = repWithout
		case nameIdx != 0 && volatile(f.Name, f.Value):
			rep = repWithout
		}
	}
	switch rep {
	case repIncremental:
		dst = appendInt(dst, 0x40, 6, nameIdx)
	case repWithout:
		dst = appendInt(dst, 0x00, 4, nameIdx)
	default:
		dst = appendInt(dst, 0x10, 4, nameIdx)
	}
	if nameIdx == 0 {
		dst = appendString(dst, f.Name, huff)
	}
	dst = appendString(dst, f.Value, huff)
	if rep == repIncremental && e.t.add(f.Name, f.Value, noSeq) {
		seq := e.t.next - 1
		l := &e.links[seq&e.t.mask]
		l.pairHash, l.nameHash = ph, nh
		e.link(seq)
	}
	return dst
}

// appendString appends a string literal (RFC 7541 §5.2), Huffman-encoded
// when that is shorter.
func appendString(dst, s []byte, huff huffMode) []byte {
	if huff != huffNever {
		if n := HuffmanEncodedLen(s); n < len(s) || huff == huffAlways {
			dst = appendInt(dst, 0x80, 7, uint64(n))
			return AppendHuffman(dst, s)
		}
	}
	dst = appendInt(dst, 0, 7, uint64(len(s)))
	return append(dst, s...)
}

// neverIndexed reports the fields the policy always sends never indexed.
func neverIndexed(name, value []byte) bool {
	switch string(name) {
	case "authorization", "proxy-authorization":
		return true
	case "cookie":
		return len(value) < 20
	}
	return false
}

// volatile reports fields whose values rarely repeat.
func volatile(name, value []byte) bool {
	switch string(name) {
	case ":path":
		return bytes.IndexByte(value, '?') >= 0
	case "age", "content-length", "content-range", "date", "etag", "expires",
		"if-modified-since", "if-none-match", "last-modified", "location",
		"range", "set-cookie", "grpc-timeout", "grpc-message",
		"grpc-status-details-bin":
		return true
	}
	return false
}
