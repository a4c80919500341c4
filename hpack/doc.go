// Package hpack implements HPACK, the header compression of HTTP/2
// (RFC 7541): the static and dynamic tables, integer and string
// representations, Huffman coding, and the Encoder and Decoder that keep a
// connection's two dynamic tables in step.
//
// The codec is built for Shockwave's hot path: in steady state neither
// Encoder.AppendField nor Decoder.Decode allocates. The encoder appends to
// the caller's buffer. The decoder hands out fields as views into the
// block, its dynamic table or its scratch buffer, valid only during the
// emit callback. The dynamic table is one byte arena plus a ring of entry
// offsets; the encoder finds entries through a small hash index over it,
// and Huffman decoding is table-driven, up to two symbols per lookup.
//
// # Errors
//
// A malformed header block yields a *DecodingError, one of the Err* values
// of this package, all of which satisfy errors.Is(err, ErrCompression): the
// HTTP/2 layer answers them with a COMPRESSION_ERROR connection error. A
// header list over the size limit yields ErrHeaderListTooLarge instead: the
// block was fully processed, the connection can go on and only the stream
// is refused.
//
// # Limits
//
// The dynamic table never exceeds the size a Decoder allows or an Encoder
// was created with. The decoded header list is bounded by
// SetMaxHeaderListSize and checked before a field is expanded, and
// Huffman-decoded bytes by 8/5 of the block, so no input makes the decoder
// allocate in proportion to lengths an attacker chose.
package hpack
