// Package rpctest holds helpers for the tests of packages built on rpc.
package rpctest

import "github.com/shockwave-rpc/shockwave/rpc"

// RawCodec puts messages on the wire as the bytes they are, so that a
// fuzzer's request reaches the server unchanged, invalid protobuf included,
// and the response comes back undecoded for the checks to decode. Its
// messages are *[]byte; pass it with rpc.ForceCodec.
type RawCodec struct{}

// Name is the protobuf codec's, so the server decodes the request as usual.
func (RawCodec) Name() string { return rpc.CodecNameProto }

// MarshalAppend appends the bytes v points to.
func (RawCodec) MarshalAppend(dst []byte, v any) ([]byte, error) {
	return append(dst, *v.(*[]byte)...), nil
}

// Unmarshal stores a copy of data in the slice v points to.
func (RawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
