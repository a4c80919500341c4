//go:build ignore

// gen.go generates tables.go: the HPACK static table and its encoder lookup
// (RFC 7541 Appendix A) and the Huffman code plus the table-driven decoder
// tables (RFC 7541 Appendix B). The RFC tables are embedded below in the
// RFC's own layout and parsed, so nothing in tables.go is typed by hand.
//
// Run with `go generate` in this directory. TestGeneratedTablesUpToDate
// checks that the checked-in tables.go is what this program produces.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"go/format"
	"log"
	"math/bits"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// huffmanLookupBits is the width of the multi-symbol decode table index.
// 12 bits keep the table at 16 KiB (fits L1) while covering every code of
// the characters common in header values; two 5..7-bit codes fit in one
// lookup. Codes longer than 12 bits are decoded by a canonical-code search.
const huffmanLookupBits = 12

// staticIndexSize is the slot count of the generated static lookup tables:
// four times the 61 entries keeps probe sequences short.
const staticIndexSize = 256

func main() {
	out := flag.String("o", "tables.go", "output file")
	flag.Parse()
	src, err := generate()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

type staticEntry struct{ name, value string }

func parseStatic() ([]staticEntry, error) {
	var ents []staticEntry
	for _, line := range strings.Split(rfcStaticTable, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Index") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) != 5 {
			return nil, fmt.Errorf("static table: bad line %q", line)
		}
		idx, err := strconv.Atoi(strings.TrimSpace(cols[1]))
		if err != nil || idx != len(ents)+1 {
			return nil, fmt.Errorf("static table: bad index in %q", line)
		}
		ents = append(ents, staticEntry{strings.TrimSpace(cols[2]), strings.TrimSpace(cols[3])})
	}
	if len(ents) != 61 {
		return nil, fmt.Errorf("static table: %d entries, want 61", len(ents))
	}
	return ents, nil
}

// huffmanLine matches one row of the RFC table: character (optional),
// "(symbol)", "|bits|...", hex code, "[length]".
var huffmanLine = regexp.MustCompile(`^\s*(?:'.'|EOS)?\s*\(\s*(\d+)\)\s+\|([01|]+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]$`)

type code struct {
	code uint32
	len  uint8
}

func parseHuffman() ([]code, error) {
	var codes []code
	for _, line := range strings.Split(rfcHuffmanCode, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := huffmanLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("huffman: bad line %q", line)
		}
		sym, _ := strconv.Atoi(m[1])
		if sym != len(codes) {
			return nil, fmt.Errorf("huffman: symbol out of order in %q", line)
		}
		bits := strings.ReplaceAll(m[2], "|", "")
		hex, _ := strconv.ParseUint(m[3], 16, 32)
		n, _ := strconv.Atoi(m[4])
		fromBits, err := strconv.ParseUint(bits, 2, 32)
		// The RFC gives each code twice (bits and hex) plus its length;
		// insist they agree.
		if err != nil || fromBits != hex || len(bits) != n {
			return nil, fmt.Errorf("huffman: inconsistent line %q", line)
		}
		codes = append(codes, code{uint32(hex), uint8(n)})
	}
	if len(codes) != 257 {
		return nil, fmt.Errorf("huffman: %d codes, want 257", len(codes))
	}
	return codes, nil
}

// canonical holds the code in canonical form: per length, the first code
// value and the symbols of that length in order. RFC 7541's code is
// canonical (codes of one length are consecutive, ordered by symbol), which
// the generator verifies rather than assumes.
type canonical struct {
	first  [31]uint32
	count  [31]uint16
	offset [31]uint16
	syms   []uint16
}

func makeCanonical(codes []code) (*canonical, error) {
	c := &canonical{}
	order := make([]int, len(codes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return codes[order[a]].len < codes[order[b]].len })
	next := uint32(0)
	prevLen := uint8(0)
	for _, s := range order {
		l := codes[s].len
		if l > prevLen {
			next <<= l - prevLen
			prevLen = l
			c.first[l] = next
			c.offset[l] = uint16(len(c.syms))
		}
		if codes[s].code != next {
			return nil, fmt.Errorf("huffman: code of symbol %d is not canonical", s)
		}
		c.syms = append(c.syms, uint16(s))
		c.count[l]++
		next++
	}
	return c, nil
}

// lookup returns the symbol whose code is the top l bits of v (an n-bit
// value), if any.
func (c *canonical) lookup(v uint32, n, l uint) (int, bool) {
	if l > n || l > 30 {
		return 0, false
	}
	top := v >> (n - l)
	if top-c.first[l] < uint32(c.count[l]) {
		return int(c.syms[int(c.offset[l])+int(top-c.first[l])]), true
	}
	return 0, false
}

func (c *canonical) decodeOne(v uint32, n uint) (sym int, l uint, ok bool) {
	for l = 5; l <= n; l++ {
		if s, ok := c.lookup(v, n, l); ok {
			return s, l, true
		}
	}
	return 0, 0, false
}

func generate() ([]byte, error) {
	static, err := parseStatic()
	if err != nil {
		return nil, err
	}
	codes, err := parseHuffman()
	if err != nil {
		return nil, err
	}
	canon, err := makeCanonical(codes)
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by go run gen.go; DO NOT EDIT.\n\npackage hpack\n\n")

	p("// staticTable is RFC 7541 Appendix A; index 0 is unused.\n")
	p("var staticTable = [%d]staticEntry{\n\t{},\n", len(static)+1)
	for _, e := range static {
		p("\t{%q, %q},\n", e.name, e.value)
	}
	p("}\n\n")

	// Encoder lookup: two open-addressing tables over hashField/hashName
	// (copied below from hash.go), one from (name, value) to the static
	// index, one from a name to the run of static entries with that name.
	// Linear probing; 0 marks an empty slot.
	type run struct{ lo, hi int }
	runs := map[string]*run{}
	var names []string
	for i, e := range static {
		r, ok := runs[e.name]
		if !ok {
			runs[e.name] = &run{i + 1, i + 1}
			names = append(names, e.name)
			continue
		}
		if r.hi != i {
			return nil, fmt.Errorf("static table: name %q not contiguous", e.name)
		}
		r.hi = i + 1
	}
	var pairSlots [staticIndexSize]uint8
	for i, e := range static {
		h := hashField([]byte(e.name), []byte(e.value))
		for j := h; ; j++ {
			if pairSlots[j%staticIndexSize] == 0 {
				pairSlots[j%staticIndexSize] = uint8(i + 1)
				break
			}
		}
	}
	var nameSlots [staticIndexSize]uint8
	for _, n := range names {
		h := hashName([]byte(n))
		for j := h; ; j++ {
			if nameSlots[j%staticIndexSize] == 0 {
				nameSlots[j%staticIndexSize] = uint8(runs[n].lo)
				break
			}
		}
	}
	p("// staticIndexSize is the size of the static table lookup indexes.\n")
	p("const staticIndexSize = %d\n\n", staticIndexSize)
	p("// staticPairIndex maps hashField(name, value) to the static\n")
	p("// entry with that name and value: probe from hash%%staticIndexSize\n")
	p("// until a match or a 0.\n")
	p("var staticPairIndex = [staticIndexSize]uint8{%s}\n\n", joinInts(pairSlots[:]))
	p("// staticNameIndex maps hashName(name) to the first static entry with\n")
	p("// that name, probed the same way.\n")
	p("var staticNameIndex = [staticIndexSize]uint8{%s}\n\n", joinInts(nameSlots[:]))
	lastOf := make([]int, len(static)+1)
	for _, n := range names {
		lastOf[runs[n].lo] = runs[n].hi
	}
	p("// staticNameLast gives, for the first entry of a name, its last entry.\n")
	p("var staticNameLast = [%d]uint8{%s}\n\n", len(lastOf), joinInts(lastOf))

	p("// huffmanCodes and huffmanCodeLens are RFC 7541 Appendix B, indexed by\n")
	p("// symbol; symbol 256 is EOS.\n")
	p("var huffmanCodes = [257]uint32{")
	for i, c := range codes {
		if i%8 == 0 {
			p("\n\t")
		}
		p("0x%x, ", c.code)
	}
	p("\n}\n\nvar huffmanCodeLens = [257]uint8{")
	for i, c := range codes {
		if i%16 == 0 {
			p("\n\t")
		}
		p("%d, ", c.len)
	}
	p("\n}\n\n")

	p("// huffmanEncodeTable is code<<8 | length per byte value: the encoder's\n")
	p("// one load per symbol.\n")
	p("var huffmanEncodeTable = [256]uint64{")
	for i, c := range codes[:256] {
		if i%8 == 0 {
			p("\n\t")
		}
		p("0x%x, ", uint64(c.code)<<8|uint64(c.len))
	}
	p("\n}\n\n")

	p("// huffmanLookupBits is the index width of huffmanDecodeTable.\n")
	p("const huffmanLookupBits = %d\n\n", huffmanLookupBits)
	p("// huffmanDecodeTable maps the next %d input bits to up to two decoded\n", huffmanLookupBits)
	p("// symbols. Entry layout: bits 0-5 the bits consumed by all symbols of\n")
	p("// the entry (in the low bits so the decoder's shift needs no masking),\n")
	p("// 8-15 first symbol, 16-23 second symbol, 24-25 number of symbols, 26-29\n")
	p("// code length of the first symbol. 0 means the code is longer than the\n")
	p("// index (see huffmanLong*).\n")
	p("var huffmanDecodeTable = [1 << huffmanLookupBits]uint32{")
	const n = huffmanLookupBits
	for v := uint32(0); v < 1<<n; v++ {
		if v%8 == 0 {
			p("\n\t")
		}
		var e uint32
		if s1, l1, ok := canon.decodeOne(v, n); ok && s1 < 256 {
			e = uint32(l1) | uint32(s1)<<8 | 1<<24 | uint32(l1)<<26
			rest := v & (1<<(n-l1) - 1)
			if s2, l2, ok := canon.decodeOne(rest, n-l1); ok && s2 < 256 {
				e = uint32(l1+l2) | uint32(s1)<<8 | uint32(s2)<<16 | 2<<24 | uint32(l1)<<26
			}
		}
		p("0x%08x, ", e)
	}
	p("\n}\n\n")

	p("// huffmanLongFirst, huffmanLongCount and huffmanLongOffset describe the\n")
	p("// canonical code per length (index = code length): the first code value,\n")
	p("// how many codes have that length, and where their symbols start in\n")
	p("// huffmanLongSyms. Used for codes longer than huffmanLookupBits.\n")
	p("var huffmanLongFirst = [31]uint32{%s}\n\n", joinInts(canon.first[:]))
	p("var huffmanLongCount = [31]uint16{%s}\n\n", joinInts(canon.count[:]))
	p("var huffmanLongOffset = [31]uint16{%s}\n\n", joinInts(canon.offset[:]))
	p("var huffmanLongSyms = [257]uint16{")
	for i, s := range canon.syms {
		if i%16 == 0 {
			p("\n\t")
		}
		p("%d, ", s)
	}
	p("\n}\n")
	return format.Source(b.Bytes())
}

func joinInts[T uint8 | uint16 | uint32 | int](v []T) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatUint(uint64(x), 10)
	}
	return strings.Join(s, ", ")
}

// sample, mix, hashName and hashField are copies of hash.go's (this file
// is a separate program); TestStaticIndex fails if they drift apart.

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

// rfcStaticTable is RFC 7541 Appendix A, "Static Table Definition".
const rfcStaticTable = `
+-------+-----------------------------+---------------+
| Index | Header Name                 | Header Value  |
+-------+-----------------------------+---------------+
| 1     | :authority                  |               |
| 2     | :method                     | GET           |
| 3     | :method                     | POST          |
| 4     | :path                       | /             |
| 5     | :path                       | /index.html   |
| 6     | :scheme                     | http          |
| 7     | :scheme                     | https         |
| 8     | :status                     | 200           |
| 9     | :status                     | 204           |
| 10    | :status                     | 206           |
| 11    | :status                     | 304           |
| 12    | :status                     | 400           |
| 13    | :status                     | 404           |
| 14    | :status                     | 500           |
| 15    | accept-charset              |               |
| 16    | accept-encoding             | gzip, deflate |
| 17    | accept-language             |               |
| 18    | accept-ranges               |               |
| 19    | accept                      |               |
| 20    | access-control-allow-origin |               |
| 21    | age                         |               |
| 22    | allow                       |               |
| 23    | authorization               |               |
| 24    | cache-control               |               |
| 25    | content-disposition         |               |
| 26    | content-encoding            |               |
| 27    | content-language            |               |
| 28    | content-length              |               |
| 29    | content-location            |               |
| 30    | content-range               |               |
| 31    | content-type                |               |
| 32    | cookie                      |               |
| 33    | date                        |               |
| 34    | etag                        |               |
| 35    | expect                      |               |
| 36    | expires                     |               |
| 37    | from                        |               |
| 38    | host                        |               |
| 39    | if-match                    |               |
| 40    | if-modified-since           |               |
| 41    | if-none-match               |               |
| 42    | if-range                    |               |
| 43    | if-unmodified-since         |               |
| 44    | last-modified               |               |
| 45    | link                        |               |
| 46    | location                    |               |
| 47    | max-forwards                |               |
| 48    | proxy-authenticate          |               |
| 49    | proxy-authorization         |               |
| 50    | range                       |               |
| 51    | referer                     |               |
| 52    | refresh                     |               |
| 53    | retry-after                 |               |
| 54    | server                      |               |
| 55    | set-cookie                  |               |
| 56    | strict-transport-security   |               |
| 57    | transfer-encoding           |               |
| 58    | user-agent                  |               |
| 59    | vary                        |               |
| 60    | via                         |               |
| 61    | www-authenticate            |               |
+-------+-----------------------------+---------------+
`

// rfcHuffmanCode is RFC 7541 Appendix B, "Huffman Code": symbol, code as
// bits aligned to the MSB, code as hex aligned to the LSB, length in bits.
// The printable character column is informational only (the backquote of
// symbol 96 is left out, as it cannot appear in a raw string).
const rfcHuffmanCode = `
        (  0)  |11111111|11000                           1ff8  [13]
        (  1)  |11111111|11111111|1011000              7fffd8  [23]
        (  2)  |11111111|11111111|11111110|0010       fffffe2  [28]
        (  3)  |11111111|11111111|11111110|0011       fffffe3  [28]
        (  4)  |11111111|11111111|11111110|0100       fffffe4  [28]
        (  5)  |11111111|11111111|11111110|0101       fffffe5  [28]
        (  6)  |11111111|11111111|11111110|0110       fffffe6  [28]
        (  7)  |11111111|11111111|11111110|0111       fffffe7  [28]
        (  8)  |11111111|11111111|11111110|1000       fffffe8  [28]
        (  9)  |11111111|11111111|11101010             ffffea  [24]
        ( 10)  |11111111|11111111|11111111|111100    3ffffffc  [30]
        ( 11)  |11111111|11111111|11111110|1001       fffffe9  [28]
        ( 12)  |11111111|11111111|11111110|1010       fffffea  [28]
        ( 13)  |11111111|11111111|11111111|111101    3ffffffd  [30]
        ( 14)  |11111111|11111111|11111110|1011       fffffeb  [28]
        ( 15)  |11111111|11111111|11111110|1100       fffffec  [28]
        ( 16)  |11111111|11111111|11111110|1101       fffffed  [28]
        ( 17)  |11111111|11111111|11111110|1110       fffffee  [28]
        ( 18)  |11111111|11111111|11111110|1111       fffffef  [28]
        ( 19)  |11111111|11111111|11111111|0000       ffffff0  [28]
        ( 20)  |11111111|11111111|11111111|0001       ffffff1  [28]
        ( 21)  |11111111|11111111|11111111|0010       ffffff2  [28]
        ( 22)  |11111111|11111111|11111111|111110    3ffffffe  [30]
        ( 23)  |11111111|11111111|11111111|0011       ffffff3  [28]
        ( 24)  |11111111|11111111|11111111|0100       ffffff4  [28]
        ( 25)  |11111111|11111111|11111111|0101       ffffff5  [28]
        ( 26)  |11111111|11111111|11111111|0110       ffffff6  [28]
        ( 27)  |11111111|11111111|11111111|0111       ffffff7  [28]
        ( 28)  |11111111|11111111|11111111|1000       ffffff8  [28]
        ( 29)  |11111111|11111111|11111111|1001       ffffff9  [28]
        ( 30)  |11111111|11111111|11111111|1010       ffffffa  [28]
        ( 31)  |11111111|11111111|11111111|1011       ffffffb  [28]
    ' ' ( 32)  |010100                                     14  [ 6]
    '!' ( 33)  |11111110|00                               3f8  [10]
    '"' ( 34)  |11111110|01                               3f9  [10]
    '#' ( 35)  |11111111|1010                             ffa  [12]
    '$' ( 36)  |11111111|11001                           1ff9  [13]
    '%' ( 37)  |010101                                     15  [ 6]
    '&' ( 38)  |11111000                                   f8  [ 8]
    ''' ( 39)  |11111111|010                              7fa  [11]
    '(' ( 40)  |11111110|10                               3fa  [10]
    ')' ( 41)  |11111110|11                               3fb  [10]
    '*' ( 42)  |11111001                                   f9  [ 8]
    '+' ( 43)  |11111111|011                              7fb  [11]
    ',' ( 44)  |11111010                                   fa  [ 8]
    '-' ( 45)  |010110                                     16  [ 6]
    '.' ( 46)  |010111                                     17  [ 6]
    '/' ( 47)  |011000                                     18  [ 6]
    '0' ( 48)  |00000                                       0  [ 5]
    '1' ( 49)  |00001                                       1  [ 5]
    '2' ( 50)  |00010                                       2  [ 5]
    '3' ( 51)  |011001                                     19  [ 6]
    '4' ( 52)  |011010                                     1a  [ 6]
    '5' ( 53)  |011011                                     1b  [ 6]
    '6' ( 54)  |011100                                     1c  [ 6]
    '7' ( 55)  |011101                                     1d  [ 6]
    '8' ( 56)  |011110                                     1e  [ 6]
    '9' ( 57)  |011111                                     1f  [ 6]
    ':' ( 58)  |1011100                                    5c  [ 7]
    ';' ( 59)  |11111011                                   fb  [ 8]
    '<' ( 60)  |11111111|1111100                         7ffc  [15]
    '=' ( 61)  |100000                                     20  [ 6]
    '>' ( 62)  |11111111|1011                             ffb  [12]
    '?' ( 63)  |11111111|00                               3fc  [10]
    '@' ( 64)  |11111111|11010                           1ffa  [13]
    'A' ( 65)  |100001                                     21  [ 6]
    'B' ( 66)  |1011101                                    5d  [ 7]
    'C' ( 67)  |1011110                                    5e  [ 7]
    'D' ( 68)  |1011111                                    5f  [ 7]
    'E' ( 69)  |1100000                                    60  [ 7]
    'F' ( 70)  |1100001                                    61  [ 7]
    'G' ( 71)  |1100010                                    62  [ 7]
    'H' ( 72)  |1100011                                    63  [ 7]
    'I' ( 73)  |1100100                                    64  [ 7]
    'J' ( 74)  |1100101                                    65  [ 7]
    'K' ( 75)  |1100110                                    66  [ 7]
    'L' ( 76)  |1100111                                    67  [ 7]
    'M' ( 77)  |1101000                                    68  [ 7]
    'N' ( 78)  |1101001                                    69  [ 7]
    'O' ( 79)  |1101010                                    6a  [ 7]
    'P' ( 80)  |1101011                                    6b  [ 7]
    'Q' ( 81)  |1101100                                    6c  [ 7]
    'R' ( 82)  |1101101                                    6d  [ 7]
    'S' ( 83)  |1101110                                    6e  [ 7]
    'T' ( 84)  |1101111                                    6f  [ 7]
    'U' ( 85)  |1110000                                    70  [ 7]
    'V' ( 86)  |1110001                                    71  [ 7]
    'W' ( 87)  |1110010                                    72  [ 7]
    'X' ( 88)  |11111100                                   fc  [ 8]
    'Y' ( 89)  |1110011                                    73  [ 7]
    'Z' ( 90)  |11111101                                   fd  [ 8]
    '[' ( 91)  |11111111|11011                           1ffb  [13]
    '\' ( 92)  |11111111|11111110|000                   7fff0  [19]
    ']' ( 93)  |11111111|11100                           1ffc  [13]
    '^' ( 94)  |11111111|111100                          3ffc  [14]
    '_' ( 95)  |100010                                     22  [ 6]
        ( 96)  |11111111|1111101                         7ffd  [15]
    'a' ( 97)  |00011                                       3  [ 5]
    'b' ( 98)  |100011                                     23  [ 6]
    'c' ( 99)  |00100                                       4  [ 5]
    'd' (100)  |100100                                     24  [ 6]
    'e' (101)  |00101                                       5  [ 5]
    'f' (102)  |100101                                     25  [ 6]
    'g' (103)  |100110                                     26  [ 6]
    'h' (104)  |100111                                     27  [ 6]
    'i' (105)  |00110                                       6  [ 5]
    'j' (106)  |1110100                                    74  [ 7]
    'k' (107)  |1110101                                    75  [ 7]
    'l' (108)  |101000                                     28  [ 6]
    'm' (109)  |101001                                     29  [ 6]
    'n' (110)  |101010                                     2a  [ 6]
    'o' (111)  |00111                                       7  [ 5]
    'p' (112)  |101011                                     2b  [ 6]
    'q' (113)  |1110110                                    76  [ 7]
    'r' (114)  |101100                                     2c  [ 6]
    's' (115)  |01000                                       8  [ 5]
    't' (116)  |01001                                       9  [ 5]
    'u' (117)  |101101                                     2d  [ 6]
    'v' (118)  |1110111                                    77  [ 7]
    'w' (119)  |1111000                                    78  [ 7]
    'x' (120)  |1111001                                    79  [ 7]
    'y' (121)  |1111010                                    7a  [ 7]
    'z' (122)  |1111011                                    7b  [ 7]
    '{' (123)  |11111111|1111110                         7ffe  [15]
    '|' (124)  |11111111|100                              7fc  [11]
    '}' (125)  |11111111|111101                          3ffd  [14]
    '~' (126)  |11111111|11101                           1ffd  [13]
        (127)  |11111111|11111111|11111111|1100       ffffffc  [28]
        (128)  |11111111|11111110|0110                  fffe6  [20]
        (129)  |11111111|11111111|010010               3fffd2  [22]
        (130)  |11111111|11111110|0111                  fffe7  [20]
        (131)  |11111111|11111110|1000                  fffe8  [20]
        (132)  |11111111|11111111|010011               3fffd3  [22]
        (133)  |11111111|11111111|010100               3fffd4  [22]
        (134)  |11111111|11111111|010101               3fffd5  [22]
        (135)  |11111111|11111111|1011001              7fffd9  [23]
        (136)  |11111111|11111111|010110               3fffd6  [22]
        (137)  |11111111|11111111|1011010              7fffda  [23]
        (138)  |11111111|11111111|1011011              7fffdb  [23]
        (139)  |11111111|11111111|1011100              7fffdc  [23]
        (140)  |11111111|11111111|1011101              7fffdd  [23]
        (141)  |11111111|11111111|1011110              7fffde  [23]
        (142)  |11111111|11111111|11101011             ffffeb  [24]
        (143)  |11111111|11111111|1011111              7fffdf  [23]
        (144)  |11111111|11111111|11101100             ffffec  [24]
        (145)  |11111111|11111111|11101101             ffffed  [24]
        (146)  |11111111|11111111|010111               3fffd7  [22]
        (147)  |11111111|11111111|1100000              7fffe0  [23]
        (148)  |11111111|11111111|11101110             ffffee  [24]
        (149)  |11111111|11111111|1100001              7fffe1  [23]
        (150)  |11111111|11111111|1100010              7fffe2  [23]
        (151)  |11111111|11111111|1100011              7fffe3  [23]
        (152)  |11111111|11111111|1100100              7fffe4  [23]
        (153)  |11111111|11111110|11100                1fffdc  [21]
        (154)  |11111111|11111111|011000               3fffd8  [22]
        (155)  |11111111|11111111|1100101              7fffe5  [23]
        (156)  |11111111|11111111|011001               3fffd9  [22]
        (157)  |11111111|11111111|1100110              7fffe6  [23]
        (158)  |11111111|11111111|1100111              7fffe7  [23]
        (159)  |11111111|11111111|11101111             ffffef  [24]
        (160)  |11111111|11111111|011010               3fffda  [22]
        (161)  |11111111|11111110|11101                1fffdd  [21]
        (162)  |11111111|11111110|1001                  fffe9  [20]
        (163)  |11111111|11111111|011011               3fffdb  [22]
        (164)  |11111111|11111111|011100               3fffdc  [22]
        (165)  |11111111|11111111|1101000              7fffe8  [23]
        (166)  |11111111|11111111|1101001              7fffe9  [23]
        (167)  |11111111|11111110|11110                1fffde  [21]
        (168)  |11111111|11111111|1101010              7fffea  [23]
        (169)  |11111111|11111111|011101               3fffdd  [22]
        (170)  |11111111|11111111|011110               3fffde  [22]
        (171)  |11111111|11111111|11110000             fffff0  [24]
        (172)  |11111111|11111110|11111                1fffdf  [21]
        (173)  |11111111|11111111|011111               3fffdf  [22]
        (174)  |11111111|11111111|1101011              7fffeb  [23]
        (175)  |11111111|11111111|1101100              7fffec  [23]
        (176)  |11111111|11111111|00000                1fffe0  [21]
        (177)  |11111111|11111111|00001                1fffe1  [21]
        (178)  |11111111|11111111|100000               3fffe0  [22]
        (179)  |11111111|11111111|00010                1fffe2  [21]
        (180)  |11111111|11111111|1101101              7fffed  [23]
        (181)  |11111111|11111111|100001               3fffe1  [22]
        (182)  |11111111|11111111|1101110              7fffee  [23]
        (183)  |11111111|11111111|1101111              7fffef  [23]
        (184)  |11111111|11111110|1010                  fffea  [20]
        (185)  |11111111|11111111|100010               3fffe2  [22]
        (186)  |11111111|11111111|100011               3fffe3  [22]
        (187)  |11111111|11111111|100100               3fffe4  [22]
        (188)  |11111111|11111111|1110000              7ffff0  [23]
        (189)  |11111111|11111111|100101               3fffe5  [22]
        (190)  |11111111|11111111|100110               3fffe6  [22]
        (191)  |11111111|11111111|1110001              7ffff1  [23]
        (192)  |11111111|11111111|11111000|00         3ffffe0  [26]
        (193)  |11111111|11111111|11111000|01         3ffffe1  [26]
        (194)  |11111111|11111110|1011                  fffeb  [20]
        (195)  |11111111|11111110|001                   7fff1  [19]
        (196)  |11111111|11111111|100111               3fffe7  [22]
        (197)  |11111111|11111111|1110010              7ffff2  [23]
        (198)  |11111111|11111111|101000               3fffe8  [22]
        (199)  |11111111|11111111|11110110|0          1ffffec  [25]
        (200)  |11111111|11111111|11111000|10         3ffffe2  [26]
        (201)  |11111111|11111111|11111000|11         3ffffe3  [26]
        (202)  |11111111|11111111|11111001|00         3ffffe4  [26]
        (203)  |11111111|11111111|11111011|110        7ffffde  [27]
        (204)  |11111111|11111111|11111011|111        7ffffdf  [27]
        (205)  |11111111|11111111|11111001|01         3ffffe5  [26]
        (206)  |11111111|11111111|11110001             fffff1  [24]
        (207)  |11111111|11111111|11110110|1          1ffffed  [25]
        (208)  |11111111|11111110|010                   7fff2  [19]
        (209)  |11111111|11111111|00011                1fffe3  [21]
        (210)  |11111111|11111111|11111001|10         3ffffe6  [26]
        (211)  |11111111|11111111|11111100|000        7ffffe0  [27]
        (212)  |11111111|11111111|11111100|001        7ffffe1  [27]
        (213)  |11111111|11111111|11111001|11         3ffffe7  [26]
        (214)  |11111111|11111111|11111100|010        7ffffe2  [27]
        (215)  |11111111|11111111|11110010             fffff2  [24]
        (216)  |11111111|11111111|00100                1fffe4  [21]
        (217)  |11111111|11111111|00101                1fffe5  [21]
        (218)  |11111111|11111111|11111010|00         3ffffe8  [26]
        (219)  |11111111|11111111|11111010|01         3ffffe9  [26]
        (220)  |11111111|11111111|11111111|1101       ffffffd  [28]
        (221)  |11111111|11111111|11111100|011        7ffffe3  [27]
        (222)  |11111111|11111111|11111100|100        7ffffe4  [27]
        (223)  |11111111|11111111|11111100|101        7ffffe5  [27]
        (224)  |11111111|11111110|1100                  fffec  [20]
        (225)  |11111111|11111111|11110011             fffff3  [24]
        (226)  |11111111|11111110|1101                  fffed  [20]
        (227)  |11111111|11111111|00110                1fffe6  [21]
        (228)  |11111111|11111111|101001               3fffe9  [22]
        (229)  |11111111|11111111|00111                1fffe7  [21]
        (230)  |11111111|11111111|01000                1fffe8  [21]
        (231)  |11111111|11111111|1110011              7ffff3  [23]
        (232)  |11111111|11111111|101010               3fffea  [22]
        (233)  |11111111|11111111|101011               3fffeb  [22]
        (234)  |11111111|11111111|11110111|0          1ffffee  [25]
        (235)  |11111111|11111111|11110111|1          1ffffef  [25]
        (236)  |11111111|11111111|11110100             fffff4  [24]
        (237)  |11111111|11111111|11110101             fffff5  [24]
        (238)  |11111111|11111111|11111010|10         3ffffea  [26]
        (239)  |11111111|11111111|1110100              7ffff4  [23]
        (240)  |11111111|11111111|11111010|11         3ffffeb  [26]
        (241)  |11111111|11111111|11111100|110        7ffffe6  [27]
        (242)  |11111111|11111111|11111011|00         3ffffec  [26]
        (243)  |11111111|11111111|11111011|01         3ffffed  [26]
        (244)  |11111111|11111111|11111100|111        7ffffe7  [27]
        (245)  |11111111|11111111|11111101|000        7ffffe8  [27]
        (246)  |11111111|11111111|11111101|001        7ffffe9  [27]
        (247)  |11111111|11111111|11111101|010        7ffffea  [27]
        (248)  |11111111|11111111|11111101|011        7ffffeb  [27]
        (249)  |11111111|11111111|11111111|1110       ffffffe  [28]
        (250)  |11111111|11111111|11111101|100        7ffffec  [27]
        (251)  |11111111|11111111|11111101|101        7ffffed  [27]
        (252)  |11111111|11111111|11111101|110        7ffffee  [27]
        (253)  |11111111|11111111|11111101|111        7ffffef  [27]
        (254)  |11111111|11111111|11111110|000        7fffff0  [27]
        (255)  |11111111|11111111|11111011|10         3ffffee  [26]
    EOS (256)  |11111111|11111111|11111111|111111    3fffffff  [30]
`
