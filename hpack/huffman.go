package hpack

import (
	"encoding/binary"
	"math"
	"slices"
)

// HuffmanEncodedLen returns the length in bytes of the Huffman encoding of s
// (RFC 7541 §5.2), so that callers can choose between Huffman and raw.
func HuffmanEncodedLen(s []byte) int {
	var n uint64
	for _, c := range s {
		n += uint64(huffmanCodeLens[c])
	}
	return int((n + 7) / 8)
}

// AppendHuffman appends the Huffman encoding of s (RFC 7541 §5.2, Appendix B)
// to dst. The last byte is padded with the most significant bits of EOS
// (all ones).
func AppendHuffman(dst, s []byte) []byte {
	// Header text encodes to less than its length, so room for len(s)
	// usually suffices; the loop checks and falls back to append.
	if cap(dst)-len(dst) < len(s)+4 {
		dst = slices.Grow(dst, len(s)+4)
	}
	buf := dst[:cap(dst)]
	w := len(dst)
	// acc holds n < 32 pending bits plus at most 32 new ones, so it never
	// overflows 64 bits; whole 32-bit words are flushed.
	var acc uint64
	var n uint
	i := 0
	// Two symbols per step while their codes total at most 32 bits (two
	// characters of header text nearly always do): with n < 32 pending
	// bits acc never overflows, and the flush branch runs half as often.
	for ; i+1 < len(s) && w+4 <= len(buf); i += 2 {
		e1, e2 := huffmanEncodeTable[s[i]], huffmanEncodeTable[s[i+1]]
		l1, l2 := uint(e1)&63, uint(e2)&63
		if l1+l2 > 32 {
			break
		}
		acc = (acc<<l1|e1>>8)<<l2 | e2>>8
		n += l1 + l2
		if n >= 32 {
			n %= 32
			binary.BigEndian.PutUint32(buf[w:], uint32(acc>>n))
			w += 4
		}
	}
	dst = buf[:w]
	for ; i < len(s); i++ {
		e := huffmanEncodeTable[s[i]]
		l := uint(e) & 63
		acc = acc<<l | e>>8
		n += l
		if n >= 32 {
			n %= 32
			dst = binary.BigEndian.AppendUint32(dst, uint32(acc>>n))
		}
	}
	for n >= 8 {
		n -= 8
		dst = append(dst, byte(acc>>n))
	}
	if n > 0 {
		dst = append(dst, byte(acc<<(8-n))|byte(0xff>>n))
	}
	return dst
}

// AppendHuffmanDecode appends the decoding of the Huffman string src to dst.
// It returns ErrHuffmanPadding or ErrHuffmanEOS (both compression errors) on
// invalid input. It does not allocate when dst has room for the decoded
// string; when it does not, dst grows at most once per call in the common
// case, by no more than 8/5 of len(src) (the shortest code is 5 bits).
func AppendHuffmanDecode(dst, src []byte) ([]byte, error) {
	dst, _, err := huffmanDecode(dst, src, math.MaxInt)
	return dst, err
}

// huffmanDecode appends the decoding of src to dst, but never more than
// limit bytes; past the limit it keeps decoding only to validate src and to
// count. n is the full decoded length, so n > limit means dst holds a
// truncated result. This is what lets the Decoder check the header list
// size of a Huffman string without expanding more than its budget.
//
// The fast loop keeps a 64-bit window of input bits aligned to the MSB and
// decodes up to two symbols per lookup of the next huffmanLookupBits bits
// in huffmanDecodeTable; codes longer than that (rare characters, EOS) and
// the last bytes of input go through the careful loop.
func huffmanDecode(dst, src []byte, limit int) ([]byte, int, error) {
	start := len(dst)
	if spare := cap(dst) - len(dst); spare < len(src) && spare < limit {
		// The decoded string is usually longer than its encoding (that
		// is why Huffman was chosen), so grow once to the upper bound
		// rather than letting the careful loop grow it byte by byte.
		dst = slices.Grow(dst, min(len(src)*8/5+8, limit))
	}
	buf := dst[:cap(dst)]
	w := len(dst)
	// Never write past start+limit in the fast loop.
	end := len(buf)
	if limit < end-start {
		end = start + limit
	}

	var bits uint64 // input bits, MSB first; bits past nbits are input too or zero
	var nbits uint
	i := 0
	for i+8 <= len(src) && w+8 <= end {
		// Branch-free refill: load 8 bytes, keep the whole bytes that fit.
		bits |= binary.BigEndian.Uint64(src[i:]) >> nbits
		i += int(63-nbits) >> 3
		nbits |= 56
		// Four lookups consume at most 48 of the >= 56 bits and write at
		// most 8 bytes, which w+8 <= end leaves room for. The critical
		// path per lookup is shift, load, shift: the consumed count sits
		// in the entry's low bits, where the shift takes it unmasked.
		e := huffmanDecodeTable[bits>>(64-huffmanLookupBits)]
		if e&63 == 0 {
			break
		}
		bits <<= e & 63
		buf[w] = byte(e >> 8)
		buf[w+1] = byte(e >> 16)
		w += int(e>>24) & 3
		e2 := huffmanDecodeTable[bits>>(64-huffmanLookupBits)]
		if e2&63 == 0 {
			nbits -= uint(e & 63)
			break
		}
		bits <<= e2 & 63
		buf[w] = byte(e2 >> 8)
		buf[w+1] = byte(e2 >> 16)
		w += int(e2>>24) & 3
		e3 := huffmanDecodeTable[bits>>(64-huffmanLookupBits)]
		if e3&63 == 0 {
			nbits -= uint(e&63 + e2&63)
			break
		}
		bits <<= e3 & 63
		buf[w] = byte(e3 >> 8)
		buf[w+1] = byte(e3 >> 16)
		w += int(e3>>24) & 3
		e4 := huffmanDecodeTable[bits>>(64-huffmanLookupBits)]
		if e4&63 == 0 {
			nbits -= uint(e&63 + e2&63 + e3&63)
			break
		}
		bits <<= e4 & 63
		buf[w] = byte(e4 >> 8)
		buf[w+1] = byte(e4 >> 16)
		w += int(e4>>24) & 3
		nbits -= uint(e&63 + e2&63 + e3&63 + e4&63)
	}
	// The careful loop: the last bytes of input, long codes, and output
	// past the buffer's capacity or the limit. It still takes two symbols
	// per lookup when they are complete and fit.
	over := 0 // symbols past the limit, counted but not written
	for {
		for nbits <= 56 && i < len(src) {
			bits |= uint64(src[i]) << (56 - nbits)
			i++
			nbits += 8
		}
		if nbits == 0 {
			break
		}
		e := huffmanDecodeTable[bits>>(64-huffmanLookupBits)]
		if c := uint(e & 63); c != 0 && c <= nbits && w+2 <= end {
			buf[w] = byte(e >> 8)
			buf[w+1] = byte(e >> 16)
			w += int(e>>24) & 3
			bits <<= c
			nbits -= c
			continue
		}
		sym, l := int(e>>8&0xff), uint(e>>26)&0xf
		if l == 0 {
			// A code longer than the lookup: search the canonical code
			// by length (RFC 7541 Appendix B codes are canonical, which
			// gen.go verifies).
			sym = -1
			for l = huffmanLookupBits + 1; l <= 30 && l <= nbits; l++ {
				c := uint32(bits>>(64-l)) - huffmanLongFirst[l]
				if c < uint32(huffmanLongCount[l]) {
					sym = int(huffmanLongSyms[int(huffmanLongOffset[l])+int(c)])
					break
				}
			}
			if sym == 256 {
				return buf[:w], w - start + over, ErrHuffmanEOS
			}
			if sym < 0 {
				l = 64 // incomplete code: padding or error, below
			}
		}
		if l > nbits {
			// Input ends inside a code: that must be padding, at most 7
			// bits of the EOS prefix, i.e. all ones (RFC 7541 §5.2).
			if nbits > 7 || bits>>(64-nbits) != 1<<nbits-1 {
				return buf[:w], w - start + over, ErrHuffmanPadding
			}
			break
		}
		switch {
		case w < end:
			buf[w] = byte(sym)
			w++
		case w-start < limit:
			// Out of capacity, not of limit: grow.
			dst = append(buf[:w], byte(sym))
			w++
			buf = dst[:cap(dst)]
			end = len(buf)
			if limit < end-start {
				end = start + limit
			}
		default:
			over++
		}
		bits <<= l
		nbits -= l
	}
	return buf[:w], w - start + over, nil
}
