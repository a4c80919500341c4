package hpack

import (
	"encoding/binary"
	"math/bits"
)

// The encoder's lookup hashes: cheap enough for the hot path (a few loads
// and one multiply, no call), and good enough for bucket selection, since
// every hit is confirmed by comparing bytes. They read the length and at
// most 24 bytes of a string (start, middle, end), so their cost does not
// grow with long values such as user-agent strings. Chains are bounded by
// the table's entry count (at most maxSize/32), which bounds the cost of
// inputs crafted to collide.
//
// gen.go carries a copy to build the static table index; TestStaticIndex
// checks that the two agree.

// sample folds a string's length and up to 24 of its bytes into 64 bits.
func sample(b []byte) uint64 {
	n := len(b)
	h := uint64(n) * 0x9e3779b97f4a7c15
	switch {
	case n >= 16:
		h ^= binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 23) ^
			bits.RotateLeft64(binary.LittleEndian.Uint64(b[n/2-4:]), 47)
	case n >= 8:
		h ^= binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 23)
	case n >= 4:
		h ^= uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
	case n > 0:
		h ^= uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16
	}
	return h
}

func mix(h uint64) uint64 {
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>29
}

// hashName hashes a header name.
func hashName(name []byte) uint64 { return mix(sample(name)) }

// hashField hashes a name and value pair.
func hashField(name, value []byte) uint64 {
	return mix(sample(name) ^ bits.RotateLeft64(sample(value), 31))
}
