package status

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
)

// Field numbers of google.rpc.Status (google/rpc/status.proto) and
// google.protobuf.Any (google/protobuf/any.proto).
const (
	statusCodeField    protowire.Number = 1
	statusMessageField protowire.Number = 2
	statusDetailsField protowire.Number = 3
	anyTypeURLField    protowire.Number = 1
	anyValueField      protowire.Number = 2
)

var errMalformed = errors.New("status: malformed google.rpc.Status")

// AppendBinary appends s encoded as a google.rpc.Status message, the value
// of the grpc-status-details-bin trailer before base64. The bytes are those
// of proto.Marshal with deterministic field order and zero values omitted.
func (s *Status) AppendBinary(b []byte) ([]byte, error) {
	if c := s.Code(); c != codes.OK {
		b = protowire.AppendTag(b, statusCodeField, protowire.VarintType)
		// google.rpc.Status.code is an int32: a negative int32 is
		// sign-extended to ten bytes on the wire.
		b = protowire.AppendVarint(b, uint64(int64(int32(c))))
	}
	if m := s.Message(); m != "" {
		b = protowire.AppendTag(b, statusMessageField, protowire.BytesType)
		b = protowire.AppendString(b, m)
	}
	for _, a := range s.AnyDetails() {
		n := 0
		if u := a.GetTypeUrl(); u != "" {
			n += protowire.SizeTag(anyTypeURLField) + protowire.SizeBytes(len(u))
		}
		if v := a.GetValue(); len(v) > 0 {
			n += protowire.SizeTag(anyValueField) + protowire.SizeBytes(len(v))
		}
		b = protowire.AppendTag(b, statusDetailsField, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(n))
		if u := a.GetTypeUrl(); u != "" {
			b = protowire.AppendTag(b, anyTypeURLField, protowire.BytesType)
			b = protowire.AppendString(b, u)
		}
		if v := a.GetValue(); len(v) > 0 {
			b = protowire.AppendTag(b, anyValueField, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		}
	}
	return b, nil
}

// MarshalBinary returns s encoded as a google.rpc.Status message.
func (s *Status) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(nil)
}

// Marshal returns s encoded as a google.rpc.Status message.
func Marshal(s *Status) ([]byte, error) {
	return s.AppendBinary(nil)
}

// Unmarshal decodes a google.rpc.Status message, such as the
// base64-decoded value of grpc-status-details-bin. Unknown fields are
// skipped, as protobuf requires; the details are copied out of data.
func Unmarshal(data []byte) (*Status, error) {
	s := &Status{}
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, errMalformed
		}
		data = data[n:]
		switch {
		case num == statusCodeField && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return nil, errMalformed
			}
			s.code = codes.Code(uint32(int32(v)))
			data = data[n:]
		case num == statusMessageField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return nil, errMalformed
			}
			s.message = string(v)
			data = data[n:]
		case num == statusDetailsField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return nil, errMalformed
			}
			a, err := unmarshalAny(v)
			if err != nil {
				return nil, err
			}
			s.details = append(s.details, a)
			data = data[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, errMalformed
			}
			data = data[n:]
		}
	}
	return s, nil
}

func unmarshalAny(data []byte) (*anypb.Any, error) {
	a := &anypb.Any{}
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, errMalformed
		}
		data = data[n:]
		switch {
		case num == anyTypeURLField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return nil, errMalformed
			}
			a.TypeUrl = string(v)
			data = data[n:]
		case num == anyValueField && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return nil, errMalformed
			}
			a.Value = append([]byte(nil), v...)
			data = data[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, errMalformed
			}
			data = data[n:]
		}
	}
	return a, nil
}
