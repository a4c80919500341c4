package metadata

import "encoding/base64"

// EncodeBinHeader returns the wire form of a binary ("-bin") metadata value:
// unpadded standard base64, which gRPC PROTOCOL-HTTP2.md says
// implementations should emit.
func EncodeBinHeader(v []byte) string {
	return base64.RawStdEncoding.EncodeToString(v)
}

// AppendBinHeader appends the wire form of a binary metadata value to dst,
// for writers that build header values in their own buffers.
func AppendBinHeader(dst, v []byte) []byte {
	return base64.RawStdEncoding.AppendEncode(dst, v)
}

// DecodeBinHeader decodes the wire form of a binary metadata value. gRPC
// PROTOCOL-HTTP2.md requires accepting both padded and unpadded base64, so
// a value is read as padded when its length is a multiple of four and as
// unpadded otherwise.
func DecodeBinHeader(v string) ([]byte, error) {
	if len(v)%4 == 0 {
		return base64.StdEncoding.DecodeString(v)
	}
	return base64.RawStdEncoding.DecodeString(v)
}

// AppendDecodeBinHeader appends the decoded binary metadata value v to dst,
// accepting padded and unpadded base64 as DecodeBinHeader does.
func AppendDecodeBinHeader(dst, v []byte) ([]byte, error) {
	if len(v)%4 == 0 {
		return base64.StdEncoding.AppendDecode(dst, v)
	}
	return base64.RawStdEncoding.AppendDecode(dst, v)
}
