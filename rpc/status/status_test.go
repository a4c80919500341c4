package status

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
)

func TestErrorText(t *testing.T) {
	err := Error(codes.NotFound, "no such user")
	if got, want := err.Error(), "rpc error: code = NotFound desc = no such user"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if err := Errorf(codes.InvalidArgument, "bad %s", "x"); err.Error() != "rpc error: code = InvalidArgument desc = bad x" {
		t.Fatalf("Errorf text = %q", err.Error())
	}
	if Error(codes.OK, "fine") != nil || Errorf(codes.OK, "x") != nil || New(codes.OK, "").Err() != nil {
		t.Fatal("an OK status must give a nil error")
	}
	var nilStatus *Status
	if nilStatus.Code() != codes.OK || nilStatus.Message() != "" || nilStatus.Err() != nil || nilStatus.Details() != nil {
		t.Fatal("a nil *Status must read as OK")
	}
	if s := Newf(codes.Aborted, "n=%d", 3); s.Code() != codes.Aborted || s.Message() != "n=3" {
		t.Fatalf("Newf = %v", s)
	}
}

func TestFromError(t *testing.T) {
	if s, ok := FromError(nil); s != nil || !ok {
		t.Fatalf("FromError(nil) = %v, %v", s, ok)
	}
	orig := New(codes.PermissionDenied, "denied")
	if s, ok := FromError(orig.Err()); s != orig || !ok {
		t.Fatalf("FromError(status error) = %v, %v; want the same *Status", s, ok)
	}

	withDetail, err := orig.WithDetails(wrapperspb.String("why"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := fmt.Errorf("loading profile: %w", withDetail.Err())
	s, ok := FromError(wrapped)
	if !ok || s.Code() != codes.PermissionDenied || s.Message() != wrapped.Error() || len(s.Details()) != 1 {
		t.Fatalf("FromError(wrapped) = %v (details %v), %v", s, s.Details(), ok)
	}
	if Code(wrapped) != codes.PermissionDenied {
		t.Fatalf("Code(wrapped) = %v", Code(wrapped))
	}

	plain := errors.New("boom")
	if s, ok := FromError(plain); ok || s.Code() != codes.Unknown || s.Message() != "boom" {
		t.Fatalf("FromError(plain) = %v, %v", s, ok)
	}
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{context.Canceled, codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{fmt.Errorf("rpc: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{plain, codes.Unknown},
		{nil, codes.OK},
	} {
		if got := Code(c.err); got != c.code {
			t.Errorf("Code(%v) = %v, want %v", c.err, got, c.code)
		}
		if got := Convert(c.err).Code(); got != c.code {
			t.Errorf("Convert(%v).Code() = %v, want %v", c.err, got, c.code)
		}
		if got := FromContextError(c.err).Code(); got != c.code {
			t.Errorf("FromContextError(%v).Code() = %v, want %v", c.err, got, c.code)
		}
	}
	if s, ok := FromError(nilStatusErr{}); ok || s.Code() != codes.Unknown {
		t.Fatalf("FromError(GRPCStatus()==nil) = %v, %v", s, ok)
	}
	if Code(nilStatusErr{}) != codes.Unknown || Code(fmt.Errorf("w: %w", nilStatusErr{})) != codes.Unknown {
		t.Fatal("Code of a nil GRPCStatus must be Unknown")
	}
}

type nilStatusErr struct{}

func (nilStatusErr) Error() string       { return "nil status" }
func (nilStatusErr) GRPCStatus() *Status { return nil }

func TestIsAs(t *testing.T) {
	sentinel := Error(codes.NotFound, "missing")
	err := fmt.Errorf("lookup: %w", Error(codes.NotFound, "missing"))
	if !errors.Is(err, sentinel) {
		t.Fatal("errors.Is does not match an equal status error")
	}
	if errors.Is(err, Error(codes.NotFound, "other")) || errors.Is(err, Error(codes.Internal, "missing")) {
		t.Fatal("errors.Is matches a different status")
	}
	var gs interface{ GRPCStatus() *Status }
	if !errors.As(err, &gs) || gs.GRPCStatus().Code() != codes.NotFound {
		t.Fatal("errors.As does not find GRPCStatus")
	}
	d1, _ := New(codes.NotFound, "missing").WithDetails(wrapperspb.Int32(1))
	d2, _ := New(codes.NotFound, "missing").WithDetails(wrapperspb.Int32(2))
	if errors.Is(d1.Err(), d2.Err()) || !errors.Is(d1.Err(), d1.Err()) {
		t.Fatal("errors.Is must compare details")
	}
}

func TestDetails(t *testing.T) {
	if _, err := New(codes.OK, "").WithDetails(wrapperspb.String("x")); err == nil {
		t.Fatal("WithDetails on OK must fail")
	}
	base := New(codes.ResourceExhausted, "slow down")
	s, err := base.WithDetails(durationpb.New(1500_000_000), wrapperspb.String("quota"))
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Details()) != 0 {
		t.Fatal("WithDetails changed its receiver")
	}
	d := s.Details()
	if len(d) != 2 {
		t.Fatalf("Details() = %v", d)
	}
	if dur, ok := d[0].(*durationpb.Duration); !ok || dur.AsDuration().Seconds() != 1.5 {
		t.Fatalf("Details()[0] = %#v", d[0])
	}
	if str, ok := d[1].(*wrapperspb.StringValue); !ok || str.GetValue() != "quota" {
		t.Fatalf("Details()[1] = %#v", d[1])
	}
	unknown := base.WithAnyDetails(&anypb.Any{TypeUrl: "type.googleapis.com/no.such.Type", Value: []byte{1}})
	if d := unknown.Details(); len(d) != 1 {
		t.Fatalf("unknown detail: %v", d)
	} else if _, isErr := d[0].(error); !isErr {
		t.Fatalf("an unknown detail type must come back as an error, got %T", d[0])
	}
	if len(unknown.AnyDetails()) != 1 {
		t.Fatal("AnyDetails lost the packed detail")
	}
}

func TestStringMatchesError(t *testing.T) {
	s := New(codes.Code(99), "odd")
	if !strings.HasPrefix(s.String(), "rpc error: code = Code(99) desc = odd") {
		t.Fatalf("String() = %q", s.String())
	}
}
