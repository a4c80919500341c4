package rpc

import (
	"errors"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Codec turns messages into bytes and back. Its name is the content subtype
// on the wire: "proto" in application/grpc+proto, "json" in
// application/grpc+json and application/json.
type Codec interface {
	// Name returns the codec's content subtype, in lower case.
	Name() string
	// MarshalAppend appends the encoding of v to dst and returns the
	// extended slice, so the caller can encode into a pooled buffer.
	MarshalAppend(dst []byte, v any) ([]byte, error)
	// Unmarshal decodes data into v, replacing v's contents. It must not
	// keep data, which the caller reuses once Unmarshal returns.
	Unmarshal(data []byte, v any) error
}

// Codec names for the built-in codecs.
const (
	CodecNameProto = "proto"
	CodecNameJSON  = "json"
)

// errNotProto is preallocated: it is returned on the hot path when a caller
// passes a value that is not a protobuf message.
var errNotProto = errors.New("rpc: codec: value is not a proto.Message")

// ProtoCodec is the binary protobuf codec, gRPC's default.
type ProtoCodec struct{}

// Name returns "proto".
func (ProtoCodec) Name() string { return CodecNameProto }

// MarshalAppend appends the binary protobuf encoding of v, which must be a
// proto.Message.
func (ProtoCodec) MarshalAppend(dst []byte, v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return dst, errNotProto
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, m)
}

// Unmarshal decodes binary protobuf into v, which must be a proto.Message.
// Bytes fields are copied, so data may be reused afterwards.
func (ProtoCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return errNotProto
	}
	return proto.UnmarshalOptions{}.Unmarshal(data, m)
}

// JSONCodec is the protobuf JSON mapping (protojson), the codec of
// application/grpc+json and of Connect's JSON.
type JSONCodec struct{}

// Name returns "json".
func (JSONCodec) Name() string { return CodecNameJSON }

// MarshalAppend appends the protobuf JSON encoding of v, which must be a
// proto.Message.
func (JSONCodec) MarshalAppend(dst []byte, v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return dst, errNotProto
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, m)
}

// Unmarshal decodes protobuf JSON into v, which must be a proto.Message.
// Unknown fields are ignored, as connect-go does, so a client and server on
// different versions of a schema still talk; an empty body is an error,
// since it is not a JSON object.
func (JSONCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return errNotProto
	}
	if len(data) == 0 {
		return errors.New("rpc: codec: zero-length payload is not a valid JSON object")
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, m)
}

// codecs is read on every call without a lock; RegisterCodec therefore may
// only run during initialisation, as in grpc-go's encoding package.
var codecs = map[string]Codec{
	CodecNameProto: ProtoCodec{},
	CodecNameJSON:  JSONCodec{},
}

// RegisterCodec makes c available under c.Name(), lower-cased, replacing
// any codec of that name, the built-in ones included. Call it only from
// init functions: the registry is read without locking.
func RegisterCodec(c Codec) {
	if c == nil {
		panic("rpc: RegisterCodec with a nil codec")
	}
	name := strings.ToLower(c.Name())
	if name == "" {
		panic("rpc: RegisterCodec with an empty codec name")
	}
	codecs[name] = c
}

// GetCodec returns the codec registered under name, matched exactly (names
// are stored lower-case), or nil.
func GetCodec(name string) Codec {
	return codecs[name]
}
