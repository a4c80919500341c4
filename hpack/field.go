package hpack

// A Field is one header field (RFC 7541 §1.3). Fields passed to a Decoder's
// emit function are views into memory the Decoder or the caller's block
// owns, valid only until emit returns; copy what must outlive the call and
// do not modify the bytes.
type Field struct {
	Name, Value []byte
	// Sensitive marks a field that must never be added to a dynamic table
	// (RFC 7541 §6.2.3, §7.1.3): the encoder sends it as a literal never
	// indexed, and the decoder sets it when it receives one, so that a
	// proxy re-encoding the field keeps the protection.
	Sensitive bool
}

// Size returns the size of f as RFC 7541 §4.1 counts it for the dynamic
// table and RFC 9113 §6.5.2 for SETTINGS_MAX_HEADER_LIST_SIZE: the lengths
// of name and value plus 32.
func (f Field) Size() uint32 {
	return uint32(len(f.Name)) + uint32(len(f.Value)) + entryOverhead
}

// readInt decodes an integer with an n-bit prefix (RFC 7541 §5.1) starting
// at p[i]. Values above 2^32-1 are ErrIntegerOverflow: every integer in
// HPACK is an index, a length or a table size, none of which may exceed
// that, and stopping there also bounds the number of continuation bytes.
func readInt(p []byte, i int, n uint) (v uint64, next int, err error) {
	mask := uint64(1)<<n - 1
	v = uint64(p[i]) & mask
	i++
	if v < mask {
		return v, i, nil
	}
	for shift := uint(0); i < len(p); shift += 7 {
		if shift > 28 {
			return 0, i, ErrIntegerOverflow
		}
		b := p[i]
		i++
		v += uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, i, ErrIntegerOverflow
			}
			return v, i, nil
		}
	}
	return 0, i, ErrTruncated
}

// appendInt appends v as an integer with an n-bit prefix (RFC 7541 §5.1);
// first holds the representation's flag bits above the prefix.
func appendInt(dst []byte, first byte, n uint, v uint64) []byte {
	mask := uint64(1)<<n - 1
	if v < mask {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(mask))
	v -= mask
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}
