package hpack

//go:generate go run gen.go

// entryOverhead is the per-entry overhead RFC 7541 §4.1 adds to the length
// of name and value when sizing the dynamic table (and RFC 9113 §6.5.2 when
// sizing a header list).
const entryOverhead = 32

// staticTableLen is the number of entries in the static table
// (RFC 7541 Appendix A); dynamic table indices start after it (§2.3.3).
const staticTableLen = 61

type staticEntry struct{ name, value string }

// staticNames and staticValues are the static table as byte slices, so a
// decoded indexed field can be emitted as a view without conversion. They
// share one backing array built at init; callers must not modify them.
var staticNames, staticValues [staticTableLen + 1][]byte

func init() {
	var n int
	for _, e := range staticTable {
		n += len(e.name) + len(e.value)
	}
	b := make([]byte, 0, n)
	for i, e := range staticTable {
		b = append(b, e.name...)
		staticNames[i] = b[len(b)-len(e.name) : len(b) : len(b)]
		b = append(b, e.value...)
		staticValues[i] = b[len(b)-len(e.value) : len(b) : len(b)]
	}
}

// dynEntry locates one dynamic table entry in dynTable.buf: the name at
// off, the value right after it.
type dynEntry struct {
	off, nameLen, valueLen uint32
}

// dynTable is the dynamic table of RFC 7541 §2.3.2 stored compactly: the
// names and values of all entries are packed, oldest first, in one byte
// arena buf[head:tail], and a ring of dynEntry locates them. Entries get a
// sequence number when inserted; the oldest live one is first and the next
// to be inserted is next, and entry seq lives in ents[seq&mask].
//
// New entries are appended at tail and evictions advance head (§4.4). When
// an insertion does not fit at the end, the live bytes move to the front.
// The arena is twice the maximum table size, so that happens at most once
// per maxSize bytes inserted and costs at most maxSize bytes of copying:
// amortised O(1) per inserted byte and never an allocation.
type dynTable struct {
	buf         []byte
	head, tail  uint32
	ents        []dynEntry
	mask        uint64
	first, next uint64
	size        uint32 // RFC 7541 §4.1 size of all entries
	maxSize     uint32 // current maximum size (§4.2)
}

// len returns the number of entries.
func (t *dynTable) len() int { return int(t.next - t.first) }

// entry returns the name and value of the entry with sequence number seq,
// which must be live.
func (t *dynTable) entry(seq uint64) (name, value []byte) {
	e := t.ents[seq&t.mask]
	v := e.off + e.nameLen
	return t.buf[e.off:v:v], t.buf[v : v+e.valueLen : v+e.valueLen]
}

// seqOf maps a dynamic table index (1 = newest, RFC 7541 §2.3.3) to a
// sequence number; ok is false past the end of the table.
func (t *dynTable) seqOf(i uint64) (seq uint64, ok bool) {
	if i == 0 || i > t.next-t.first {
		return 0, false
	}
	return t.next - i, true
}

// setMaxSize applies a new maximum size, evicting as needed (RFC 7541 §4.3)
// and growing the storage if the new size needs more. Growing allocates, so
// it happens only on size changes, never in steady state.
func (t *dynTable) setMaxSize(n uint32) {
	t.maxSize = n
	t.evictTo(n)
	if t.first == t.next {
		t.head, t.tail = 0, 0
	}
	if need := 2 * uint64(n); uint64(cap(t.buf)) < need {
		nb := make([]byte, need)
		copy(nb, t.buf[t.head:t.tail])
		t.rebase(t.head)
		t.buf = nb
	}
	// At most n/32 entries fit, plus one while an insertion evicts.
	if want := uint64(n)/entryOverhead + 1; uint64(len(t.ents)) < want {
		size := uint64(16)
		for size < want {
			size <<= 1
		}
		ne := make([]dynEntry, size)
		for s := t.first; s < t.next; s++ {
			ne[s&(size-1)] = t.ents[s&t.mask]
		}
		t.ents, t.mask = ne, size-1
	}
}

// rebase moves every live entry's offset down by delta after the arena
// contents moved by that much.
func (t *dynTable) rebase(delta uint32) {
	for s := t.first; s < t.next; s++ {
		t.ents[s&t.mask].off -= delta
	}
	t.head -= delta
	t.tail -= delta
}

// evictTo evicts the oldest entries until the table size is at most n.
func (t *dynTable) evictTo(n uint32) {
	for t.size > n {
		e := t.ents[t.first&t.mask]
		t.size -= e.nameLen + e.valueLen + entryOverhead
		t.head = e.off + e.nameLen + e.valueLen
		t.first++
	}
}

// clear empties the table without touching the bytes, so views of the
// evicted entries stay readable until the next insertion.
func (t *dynTable) clear() {
	t.first = t.next
	t.size = 0
	t.head, t.tail = 0, 0
}

// add inserts an entry (RFC 7541 §4.4). The name may be a view of the
// entry with sequence number nameSeq in this very table (pass noSeq if it
// is not): it is read before anything it points to can be overwritten, as
// §4.4 requires ("the name ... is resolved before eviction"). An entry
// larger than the maximum size empties the table and is not inserted; add
// reports whether it was inserted.
func (t *dynTable) add(name, value []byte, nameSeq uint64) bool {
	nl, vl := uint32(len(name)), uint32(len(value))
	size := uint64(nl) + uint64(vl) + entryOverhead
	if size > uint64(t.maxSize) {
		t.clear()
		return false
	}
	if uint64(t.tail)+uint64(nl+vl) > uint64(len(t.buf)) {
		// Compact before evicting, so a name borrowed from a live entry
		// moves with it. Live bytes (<= maxSize-32) plus the new entry
		// (<= maxSize-32) fit in the 2*maxSize arena.
		copy(t.buf, t.buf[t.head:t.tail])
		t.rebase(t.head)
		if nameSeq != noSeq {
			name, _ = t.entry(nameSeq)
		}
	}
	off := t.tail
	copy(t.buf[off:], name)
	copy(t.buf[off+nl:], value)
	t.tail = off + nl + vl
	// Eviction only advances head over older bytes, which all precede
	// off, so it never touches the entry just written.
	t.evictTo(t.maxSize - uint32(size))
	t.ents[t.next&t.mask] = dynEntry{off, nl, vl}
	t.next++
	t.size += uint32(size)
	return true
}

// noSeq marks a name that is not a view into the dynamic table.
const noSeq = ^uint64(0)

// staticPair returns the static table index of (name, value), or 0; ph is
// hashField(name, value).
func staticPair(name, value []byte, ph uint64) uint64 {
	for j := ph; ; j++ {
		i := staticPairIndex[j%staticIndexSize]
		if i == 0 {
			return 0
		}
		if e := &staticTable[i]; string(name) == e.name && string(value) == e.value {
			return uint64(i)
		}
	}
}

// staticName returns the first and last static table index of the entries
// named name, or 0, 0; nh is hashName(name).
func staticName(name []byte, nh uint64) (lo, hi uint64) {
	for j := nh; ; j++ {
		i := staticNameIndex[j%staticIndexSize]
		if i == 0 {
			return 0, 0
		}
		if string(name) == staticTable[i].name {
			return uint64(i), uint64(staticNameLast[i])
		}
	}
}
