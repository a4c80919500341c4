package rpc

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// A grpc-status-details-bin whose code is not grpc-status's (a proxy that
// rewrote the status but passed the trailer on, say) must not lend its
// details to another code: grpc-go (internal/status.NewWithProto) fails the
// call with INTERNAL "grpc-status-details-bin mismatch".
func TestStatusDetailsCodeMismatch(t *testing.T) {
	orig, _ := status.New(codes.InvalidArgument, "bad field").WithDetails(durationpb.New(time.Second))
	raw, _ := orig.AppendBinary(nil)
	for _, code := range []string{"14", "0"} {
		var h transport.Header
		h.AddString("grpc-status", code)
		h.AddString("grpc-message", "upstream unavailable")
		h.AddString("grpc-status-details-bin", metadata.EncodeBinHeader(raw))
		st, ok := statusFromHeader(&h)
		if !ok || st.Code() != codes.Internal {
			t.Errorf("grpc-status %s with details of %v decoded as %v (details %v), want INTERNAL mismatch", code, orig.Code(), st, st.AnyDetails())
		}
	}
	// Matching codes keep the details.
	var h transport.Header
	h.AddString("grpc-status", "3")
	h.AddString("grpc-message", "bad field")
	h.AddString("grpc-status-details-bin", metadata.EncodeBinHeader(raw))
	if st, ok := statusFromHeader(&h); !ok || st.Code() != codes.InvalidArgument || len(st.AnyDetails()) != 1 {
		t.Errorf("matching codes decoded as %v, %v", st, st.AnyDetails())
	}
}
