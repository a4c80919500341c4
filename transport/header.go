package transport

import "bytes"

// inlineFields is how many fields a Header indexes without allocating. A gRPC
// request carries 8 fields and a browser request 9–12; past this the index
// spills into a slice that is kept for the next use.
const inlineFields = 16

// Header is an ordered list of header fields. All names and values are copied
// into one byte arena the Header owns, and the fields are indexed in a fixed
// array, so a Header that is Reset and reused (as every pooled stream's is)
// allocates nothing in steady state.
//
// Slices returned by At and Get are views into the arena: valid until the
// Header is next modified or Reset. Copy what must outlive that.
type Header struct {
	arena  []byte
	inline [inlineFields]span
	more   []span
	n      int
}

// span locates one field in the arena.
type span struct {
	off           uint32
	nameLen, vLen uint32
}

// Len reports the number of fields.
func (h *Header) Len() int { return h.n }

// Size reports the HTTP/2 size of the list: the sum of name and value lengths
// plus 32 per field (RFC 9113 §6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE).
func (h *Header) Size() int { return len(h.arena) + 32*h.n }

// Reset empties the list, keeping its storage.
func (h *Header) Reset() {
	h.arena = h.arena[:0]
	h.more = h.more[:0]
	h.n = 0
}

func (h *Header) span(i int) span {
	if i < inlineFields {
		return h.inline[i]
	}
	return h.more[i-inlineFields]
}

// At returns the i'th field, 0 <= i < Len().
func (h *Header) At(i int) (name, value []byte) {
	s := h.span(i)
	name = h.arena[s.off : s.off+s.nameLen : s.off+s.nameLen]
	v := s.off + s.nameLen
	return name, h.arena[v : v+s.vLen : v+s.vLen]
}

// Get returns the value of the first field called name, which must be lower
// case as HTTP/2 and HTTP/3 require (RFC 9113 §8.2.1). HTTP/1.1 transports
// lower-case names as they store them.
func (h *Header) Get(name string) (value []byte, ok bool) {
	for i := 0; i < h.n; i++ {
		s := h.span(i)
		if int(s.nameLen) == len(name) && string(h.arena[s.off:s.off+s.nameLen]) == name {
			v := s.off + s.nameLen
			return h.arena[v : v+s.vLen : v+s.vLen], true
		}
	}
	return nil, false
}

// Has reports whether a field called name is present.
func (h *Header) Has(name string) bool {
	_, ok := h.Get(name)
	return ok
}

// Add appends a field, copying name and value.
func (h *Header) Add(name, value []byte) {
	off := uint32(len(h.arena))
	h.arena = append(h.arena, name...)
	h.arena = append(h.arena, value...)
	h.push(span{off: off, nameLen: uint32(len(name)), vLen: uint32(len(value))})
}

// AddString appends a field, copying name and value.
func (h *Header) AddString(name, value string) {
	off := uint32(len(h.arena))
	h.arena = append(h.arena, name...)
	h.arena = append(h.arena, value...)
	h.push(span{off: off, nameLen: uint32(len(name)), vLen: uint32(len(value))})
}

func (h *Header) push(s span) {
	if h.n < inlineFields {
		h.inline[h.n] = s
	} else {
		h.more = append(h.more, s)
	}
	h.n++
}

// Del removes every field called name, keeping the order of the rest. The
// arena keeps the removed bytes until Reset.
func (h *Header) Del(name string) {
	j := 0
	for i := 0; i < h.n; i++ {
		s := h.span(i)
		if int(s.nameLen) == len(name) && string(h.arena[s.off:s.off+s.nameLen]) == name {
			continue
		}
		if j < inlineFields {
			h.inline[j] = s
		} else {
			h.more[j-inlineFields] = s
		}
		j++
	}
	if j > inlineFields {
		h.more = h.more[:j-inlineFields]
	} else {
		h.more = h.more[:0]
	}
	h.n = j
}

// CopyFrom replaces h's fields with a copy of src's.
func (h *Header) CopyFrom(src *Header) {
	// The arena and the index as they are (the spans are offsets into
	// the arena): one allocation at most for each, where adding the
	// fields one by one grew the arena a few times.
	h.arena = append(h.arena[:0], src.arena...)
	h.inline = src.inline
	h.more = append(h.more[:0], src.more...)
	h.n = src.n
}

// Equal reports whether both lists hold the same fields in the same order.
func (h *Header) Equal(o *Header) bool {
	if h.n != o.n {
		return false
	}
	for i := 0; i < h.n; i++ {
		an, av := h.At(i)
		bn, bv := o.At(i)
		if !bytes.Equal(an, bn) || !bytes.Equal(av, bv) {
			return false
		}
	}
	return true
}
