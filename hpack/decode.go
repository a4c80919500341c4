package hpack

// DefaultMaxHeaderListSize is the header list size limit of a new Decoder:
// 16 KiB, Shockwave's default SETTINGS_MAX_HEADER_LIST_SIZE.
const DefaultMaxHeaderListSize = 16 << 10

// A Decoder decodes the header blocks of one direction of one connection
// (RFC 7541 §3). It keeps the dynamic table shared with the peer's encoder,
// so every block must be passed to Decode, in order, even those whose
// stream is refused. A Decoder is not safe for concurrent use.
type Decoder struct {
	t dynTable
	// allowedMax is the SETTINGS_HEADER_TABLE_SIZE we advertised: no size
	// update may exceed it (RFC 7541 §6.3).
	allowedMax uint32
	maxList    uint32
	// needUpdate is set when the allowed size went below the table's
	// current size: the peer's encoder must then open its next block with
	// a size update (RFC 7541 §4.2).
	needUpdate bool
	// scratch receives Huffman-decoded strings of the field being decoded.
	// Its growth is bounded by 8/5 of the block length and by the string
	// budget computed in Decode.
	scratch []byte
}

// NewDecoder returns a Decoder whose dynamic table starts with, and may be
// resized up to, maxTableSize bytes: the SETTINGS_HEADER_TABLE_SIZE this
// endpoint advertises (4096 unless it sends the setting, RFC 9113 §6.5.2).
// The header list size limit starts at DefaultMaxHeaderListSize.
func NewDecoder(maxTableSize uint32) *Decoder {
	d := &Decoder{allowedMax: maxTableSize, maxList: DefaultMaxHeaderListSize}
	d.t.setMaxSize(maxTableSize)
	return d
}

// Reset empties the dynamic table and restores its size to the allowed
// maximum, as on a new connection. Limits set on d are kept.
func (d *Decoder) Reset() {
	d.t.clear()
	d.t.setMaxSize(d.allowedMax)
	d.needUpdate = false
}

// SetMaxHeaderListSize sets the limit on the size of a decoded header list,
// with the semantics of SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2): the
// sum over fields of len(name)+len(value)+32. A block over the limit makes
// Decode return ErrHeaderListTooLarge.
func (d *Decoder) SetMaxHeaderListSize(n uint32) { d.maxList = n }

// SetAllowedMaxDynamicTableSize sets the upper bound for dynamic table size
// updates from the peer: the SETTINGS_HEADER_TABLE_SIZE value we advertised,
// applied once the peer has acknowledged it. If it is below the table's
// current size, the next non-empty block must begin with a size update that
// brings the table within it (RFC 7541 §4.2), else Decode fails with
// ErrTableSizeUpdate.
func (d *Decoder) SetAllowedMaxDynamicTableSize(n uint32) {
	d.allowedMax = n
	if d.t.maxSize > n {
		d.needUpdate = true
	}
}

// Decode decodes one complete header block (the HEADERS or PUSH_PROMISE
// fragment with its CONTINUATIONs) and calls emit for each field, in order.
// The Field views are valid only during emit: they point into block, the
// dynamic table or d's scratch buffer.
//
// A malformed block returns a *DecodingError (errors.Is(err,
// ErrCompression)); the dynamic table is then undefined and the connection
// must end. If the header list exceeds the size limit, Decode stops calling
// emit but still processes the whole block, so the dynamic table stays in
// sync, and returns ErrHeaderListTooLarge. Field sizes are checked before
// any string is copied or Huffman-decoded past the remaining budget, so a
// small block that references a large entry many times is refused without
// expanding it.
func (d *Decoder) Decode(block []byte, emit func(Field)) error {
	p := 0
	if d.needUpdate && len(block) > 0 && block[0]&0xe0 != 0x20 {
		return ErrTableSizeUpdate
	}
	// RFC 7541 §4.2: size updates may only open a block. There may be two
	// (the minimum, then the final size).
	for p < len(block) && block[p]&0xe0 == 0x20 {
		v, np, err := readInt(block, p, 5)
		if err != nil {
			return err
		}
		if v > uint64(d.allowedMax) {
			return ErrTableSizeUpdate
		}
		p = np
		d.t.setMaxSize(uint32(v))
		d.needUpdate = false
	}
	var listSize uint64
	maxList := uint64(d.maxList)
	tooLarge := false
	for p < len(block) {
		b := block[p]
		var f Field
		var err error
		switch {
		case b&0x80 != 0:
			// Indexed header field, RFC 7541 §6.1.
			var idx uint64
			idx, p, err = readInt(block, p, 7)
			if err != nil {
				return err
			}
			var ok bool
			f.Name, f.Value, _, ok = d.at(idx)
			if !ok {
				return ErrInvalidIndex
			}
		case b&0xe0 == 0x20:
			return ErrTableSizeUpdate
		default:
			// Literal header field, RFC 7541 §6.2: with incremental
			// indexing (01, 6-bit index), without indexing (0000) or
			// never indexed (0001), both with a 4-bit index.
			incremental := b&0xc0 == 0x40
			f.Sensitive = b&0xf0 == 0x10
			prefix := uint(4)
			if incremental {
				prefix = 6
			}
			var nameIdx uint64
			nameIdx, p, err = readInt(block, p, prefix)
			if err != nil {
				return err
			}
			// The budget for each string: what the list may still take,
			// or, for an entry to be indexed, what the table may hold
			// (a larger entry just empties the table, §4.4, so its bytes
			// are never needed). Strings past the budget are only
			// validated and measured, never expanded.
			var budget uint64
			if !tooLarge && listSize+entryOverhead < maxList {
				budget = maxList - listSize - entryOverhead
			}
			if incremental {
				budget = max(budget, uint64(d.t.maxSize))
			}
			d.scratch = d.scratch[:0]
			nameSeq := noSeq
			var nameLen, valueLen int
			nameFromScratch := false
			if nameIdx == 0 {
				f.Name, nameLen, p, nameFromScratch, err = d.readString(block, p, budget)
			} else {
				var ok bool
				f.Name, _, nameSeq, ok = d.at(nameIdx)
				if !ok {
					return ErrInvalidIndex
				}
				nameLen = len(f.Name)
			}
			if err != nil {
				return err
			}
			f.Value, valueLen, p, _, err = d.readString(block, p, budget)
			if err != nil {
				return err
			}
			if nameFromScratch {
				// The value's decoding may have moved scratch.
				f.Name = d.scratch[:len(f.Name)]
			}
			if incremental {
				size := uint64(nameLen) + uint64(valueLen) + entryOverhead
				if size > uint64(d.t.maxSize) {
					d.t.clear()
				} else if d.t.add(f.Name, f.Value, nameSeq) {
					// The name may have moved with the arena; emit the
					// entry's own bytes.
					f.Name, f.Value = d.t.entry(d.t.next - 1)
				}
			}
			if tooLarge {
				continue
			}
			listSize += uint64(nameLen) + uint64(valueLen) + entryOverhead
			if listSize > maxList {
				tooLarge = true
				continue
			}
			emit(f)
			continue
		}
		if tooLarge {
			continue
		}
		listSize += uint64(len(f.Name)) + uint64(len(f.Value)) + entryOverhead
		if listSize > maxList {
			tooLarge = true
			continue
		}
		emit(f)
	}
	if tooLarge {
		return ErrHeaderListTooLarge
	}
	return nil
}

// at resolves an index into the static table followed by the dynamic table
// (RFC 7541 §2.3.3). seq is the dynamic entry's sequence number, or noSeq.
func (d *Decoder) at(i uint64) (name, value []byte, seq uint64, ok bool) {
	if i == 0 {
		return nil, nil, noSeq, false
	}
	if i <= staticTableLen {
		return staticNames[i], staticValues[i], noSeq, true
	}
	seq, ok = d.t.seqOf(i - staticTableLen)
	if !ok {
		return nil, nil, noSeq, false
	}
	name, value = d.t.entry(seq)
	return name, value, seq, true
}

// readString reads a string literal (RFC 7541 §5.2) at block[p]. A raw
// string is returned as a view of block; a Huffman string is decoded into
// d.scratch, at most budget bytes of it. n is the string's full length,
// which exceeds len(s) when the budget cut it short.
func (d *Decoder) readString(block []byte, p int, budget uint64) (s []byte, n, next int, scratch bool, err error) {
	if p >= len(block) {
		return nil, 0, p, false, ErrTruncated
	}
	huffman := block[p]&0x80 != 0
	l, p, err := readInt(block, p, 7)
	if err != nil {
		return nil, 0, p, false, err
	}
	if l > uint64(len(block)-p) {
		return nil, 0, p, false, ErrStringLength
	}
	raw := block[p : p+int(l)]
	p += int(l)
	if !huffman {
		return raw, len(raw), p, false, nil
	}
	start := len(d.scratch)
	d.scratch, n, err = huffmanDecode(d.scratch, raw, int(min(budget, uint64(len(raw))*8/5+1)))
	if err != nil {
		return nil, 0, p, false, err
	}
	return d.scratch[start:], n, p, true, nil
}
