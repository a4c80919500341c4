// Package conformance adapts Shockwave's rpc server and client to the
// Connect conformance suite (connectrpc.com/conformance): the stdin/stdout
// protocol its runner, connectconformance, speaks with the implementation
// under test, ConformanceService as the suite defines it (server.go), and
// the calls a ClientCompatRequest describes (client.go).
//
// The suite's own gRPC adapters for grpc-go (its internal/app/grpcserver
// and grpcclient) are the model: this package does what they do with the
// rpc API, plus TLS, client certificates, codecs, compression and receive
// limits, which this project's configuration also covers.
package conformance

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	conformancev1 "github.com/shockwave-rpc/shockwave/interop/internal/conformancev1"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"google.golang.org/protobuf/proto"
)

// maxMessage bounds a message read from the runner.
const maxMessage = 64 << 20

// ReadMessage reads one size-delimited message (a 4-byte big-endian size,
// then the binary protobuf message) into m. It returns io.EOF at a clean
// end of input.
func ReadMessage(r io.Reader, m proto.Message) error {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(prefix[:])
	if n > maxMessage {
		return fmt.Errorf("conformance: message of %d bytes is larger than %d", n, maxMessage)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return proto.Unmarshal(buf, m)
}

// WriteMessage writes m size-delimited, in one Write.
func WriteMessage(w io.Writer, m proto.Message) error {
	b, err := proto.MarshalOptions{}.MarshalAppend(make([]byte, 4, 4+proto.Size(m)), m)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	_, err = w.Write(b)
	return err
}

// ToMetadata converts the suite's headers to metadata. Binary (-bin)
// values come base64-encoded in the suite's messages and are raw bytes in
// metadata.
func ToMetadata(hs []*conformancev1.Header) metadata.MD {
	md := make(metadata.MD, len(hs))
	for _, h := range hs {
		key := strings.ToLower(h.GetName())
		vals := h.GetValue()
		if strings.HasSuffix(key, "-bin") {
			vals = make([]string, len(h.GetValue()))
			for i, v := range h.GetValue() {
				if b, err := decodeBin(v); err == nil {
					vals[i] = string(b)
				} else {
					vals[i] = v
				}
			}
		}
		md[key] = append(md[key], vals...)
	}
	return md
}

// FromMetadata converts metadata to the suite's headers, base64-encoding
// binary values (unpadded, as the gRPC spec says senders should).
func FromMetadata(md metadata.MD) []*conformancev1.Header {
	hs := make([]*conformancev1.Header, 0, len(md))
	for key, vals := range md {
		if strings.HasSuffix(key, "-bin") {
			enc := make([]string, len(vals))
			for i, v := range vals {
				enc[i] = base64.RawStdEncoding.EncodeToString([]byte(v))
			}
			vals = enc
		}
		hs = append(hs, &conformancev1.Header{Name: key, Value: vals})
	}
	return hs
}

func decodeBin(v string) ([]byte, error) {
	if len(v)%4 == 0 {
		return base64.StdEncoding.DecodeString(v)
	}
	return base64.RawStdEncoding.DecodeString(v)
}

// ToStatusError converts the suite's error to a status error, details
// included.
func ToStatusError(e *conformancev1.Error) error {
	if e == nil {
		return nil
	}
	return status.New(codes.Code(e.GetCode()), e.GetMessage()).WithAnyDetails(e.GetDetails()...).Err()
}

// FromStatusError converts a call's error to the suite's.
func FromStatusError(err error) *conformancev1.Error {
	if err == nil {
		return nil
	}
	st := status.Convert(err)
	msg := st.Message()
	return &conformancev1.Error{
		Code:    conformancev1.Code(st.Code()),
		Message: &msg,
		Details: st.AnyDetails(),
	}
}

// errNoTLS is the failure of a TLS case without the suite's credentials.
var errNoTLS = errors.New("conformance: TLS requested without credentials")
