package hpack

import "errors"

// ErrCompression matches every error that reports a malformed header block:
// errors.Is(err, ErrCompression) is true for all of them. RFC 7541 §2.2
// (and RFC 9113 §4.3) make any decoding error fatal to the connection, so the
// HTTP/2 layer answers it with a connection error of type COMPRESSION_ERROR.
var ErrCompression = errors.New("hpack: compression error")

// ErrHeaderListTooLarge reports that a header block decoded to more than the
// limit set with SetMaxHeaderListSize. It is not a compression error: the
// decoder processed the whole block, so its dynamic table is still in sync
// with the peer's encoder and the connection can continue; the HTTP/2 layer
// refuses only the stream (RFC 9113 §8.2.2: 431 or RST_STREAM).
var ErrHeaderListTooLarge = errors.New("hpack: header list too large")

// A DecodingError is a malformed-input error: one of the Err* values below,
// which errors.Is also matches against ErrCompression. The values are
// preallocated so the decoder does not allocate on bad input.
type DecodingError struct {
	reason string
}

func (e *DecodingError) Error() string { return "hpack: " + e.reason }

// Is reports whether target is ErrCompression, the class every
// DecodingError belongs to.
func (e *DecodingError) Is(target error) bool { return target == ErrCompression }

// The malformed-block errors. Each matches itself and ErrCompression.
var (
	// ErrTruncated: the block ends inside a representation (RFC 7541 §6).
	ErrTruncated = &DecodingError{"truncated header block"}
	// ErrIntegerOverflow: an integer (RFC 7541 §5.1) does not fit in 32 bits.
	ErrIntegerOverflow = &DecodingError{"integer overflow"}
	// ErrInvalidIndex: index 0 or an index past the end of the static and
	// dynamic tables (RFC 7541 §2.3.3, §6.1).
	ErrInvalidIndex = &DecodingError{"invalid table index"}
	// ErrStringLength: a string literal is longer than the rest of the
	// block (RFC 7541 §5.2).
	ErrStringLength = &DecodingError{"string literal longer than block"}
	// ErrHuffmanPadding: Huffman padding longer than 7 bits or not a
	// prefix of EOS, i.e. not all ones (RFC 7541 §5.2).
	ErrHuffmanPadding = &DecodingError{"invalid Huffman padding"}
	// ErrHuffmanEOS: the EOS symbol inside a Huffman string (RFC 7541 §5.2).
	ErrHuffmanEOS = &DecodingError{"EOS symbol in Huffman string"}
	// ErrTableSizeUpdate: a dynamic table size update above the size we
	// allow, or not at the beginning of the block, or missing where
	// RFC 7541 §4.2 requires one (RFC 7541 §6.3).
	ErrTableSizeUpdate = &DecodingError{"invalid dynamic table size update"}
)
