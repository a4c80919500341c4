package hpack

import (
	"encoding/binary"
	"math/bits"
)

// hashBytes is the encoder's lookup hash: cheap enough to inline into the
// hot path (a few loads and multiplies, no call), and good enough for
// bucket selection, since every hit is confirmed by comparing bytes. It
// reads the length and up to 24 bytes (start, middle, end), so its cost
// does not grow with long values such as user-agent strings. Chains are
// bounded by the table's entry count (at most maxSize/32), which bounds
// the cost of inputs crafted to collide.
//
// gen.go carries a copy to build the static table index; TestStaticIndex
// checks that the two agree.
func hashBytes(b []byte) uint64 {
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
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>29
}

// hashPair combines a name hash and a value's hash.
func hashPair(nameHash uint64, value []byte) uint64 {
	h := (nameHash ^ bits.RotateLeft64(hashBytes(value), 32)) * 0x94d049bb133111eb
	return h ^ h>>31
}
