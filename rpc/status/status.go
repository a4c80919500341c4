// Package status builds and inspects gRPC statuses: a code, a message and
// optional details, as carried by grpc-status, grpc-message and
// grpc-status-details-bin.
//
// The API is google.golang.org/grpc/status's, so code written against grpc-go
// compiles against this package after an import change. The wire form of a
// status with details is the google.rpc.Status message; this package encodes
// and decodes it by hand rather than registering a generated google.rpc.Status
// type, because a program that also links grpc-go (through genproto) would
// then register that message name twice and panic at start-up.
package status

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
)

// Status is the outcome of an RPC: a code, a message for people, and
// optional machine-readable details. A Status is immutable once built, so one
// value may be shared, and preallocated for hot paths. A nil *Status is OK.
type Status struct {
	code    codes.Code
	message string
	details []*anypb.Any
}

// New returns a Status with code c and message msg.
func New(c codes.Code, msg string) *Status {
	return &Status{code: c, message: msg}
}

// Newf returns a Status with code c and a message formatted as by
// fmt.Sprintf.
func Newf(c codes.Code, format string, a ...any) *Status {
	return New(c, fmt.Sprintf(format, a...))
}

// Error returns an error carrying code c and message msg, or nil if c is OK.
func Error(c codes.Code, msg string) error {
	return New(c, msg).Err()
}

// Errorf returns an error carrying code c and a message formatted as by
// fmt.Sprintf, or nil if c is OK.
func Errorf(c codes.Code, format string, a ...any) error {
	return Error(c, fmt.Sprintf(format, a...))
}

// Code returns the status code; OK for a nil Status.
func (s *Status) Code() codes.Code {
	if s == nil {
		return codes.OK
	}
	return s.code
}

// Message returns the status message; empty for a nil Status.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return s.message
}

// Err returns an error carrying s, or nil if s is nil or its code is OK.
// The error's GRPCStatus method returns s.
func (s *Status) Err() error {
	if s.Code() == codes.OK {
		return nil
	}
	return &statusError{s: s}
}

// String returns the text grpc-go gives a status:
// "rpc error: code = NotFound desc = no such user".
func (s *Status) String() string {
	return "rpc error: code = " + s.Code().String() + " desc = " + s.Message()
}

// WithDetails returns a copy of s with details appended, each packed into a
// google.protobuf.Any. A status with code OK carries no details, so that is
// an error, as in grpc-go.
func (s *Status) WithDetails(details ...proto.Message) (*Status, error) {
	if s.Code() == codes.OK {
		return nil, errors.New("status: no error details for status with code OK")
	}
	out := &Status{code: s.code, message: s.message}
	out.details = make([]*anypb.Any, 0, len(s.details)+len(details))
	out.details = append(out.details, s.details...)
	for _, d := range details {
		a, err := anypb.New(d)
		if err != nil {
			return nil, err
		}
		out.details = append(out.details, a)
	}
	return out, nil
}

// Details returns the details of s, each unpacked into its registered Go
// message type. A detail whose type is not linked into the program, or that
// does not decode, is returned as the error that says so, as in grpc-go, so
// one unknown detail does not hide the others.
func (s *Status) Details() []any {
	if s == nil || len(s.details) == 0 {
		return nil
	}
	out := make([]any, 0, len(s.details))
	for _, a := range s.details {
		m, err := a.UnmarshalNew()
		if err != nil {
			out = append(out, err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// AnyDetails returns the details of s as packed. They are shared with s and
// must not be changed. Proxies use it to pass details on without knowing
// their types.
func (s *Status) AnyDetails() []*anypb.Any {
	if s == nil {
		return nil
	}
	return s.details
}

// WithAnyDetails returns a copy of s with already packed details appended.
func (s *Status) WithAnyDetails(details ...*anypb.Any) *Status {
	out := &Status{code: s.Code(), message: s.Message()}
	out.details = make([]*anypb.Any, 0, len(s.AnyDetails())+len(details))
	out.details = append(append(out.details, s.AnyDetails()...), details...)
	return out
}

// statusError is the error a Status becomes. Its text is grpc-go's, and it
// answers GRPCStatus so FromError finds the Status through any wrapping.
type statusError struct {
	s *Status
}

// Error returns the status text, as grpc-go words it.
func (e *statusError) Error() string { return e.s.String() }

// GRPCStatus returns the Status the error carries.
func (e *statusError) GRPCStatus() *Status { return e.s }

// Is reports whether target is a status error with the same code, message
// and details, so errors.Is can compare against a sentinel built with Error.
func (e *statusError) Is(target error) bool {
	t, ok := target.(*statusError)
	if !ok {
		return false
	}
	if e.s.Code() != t.s.Code() || e.s.Message() != t.s.Message() || len(e.s.details) != len(t.s.details) {
		return false
	}
	for i := range e.s.details {
		if !proto.Equal(e.s.details[i], t.s.details[i]) {
			return false
		}
	}
	return true
}

// grpcStatus is the method by which any error, from this package or another,
// says which Status it stands for (the grpc-go convention).
type grpcStatus interface{ GRPCStatus() *Status }

// FromError returns the Status err stands for, and whether err carried one:
//
//   - nil gives a nil Status (code OK) and true;
//   - an error with a GRPCStatus method, such as one from Error or Err,
//     gives its Status and true;
//   - an error that wraps such an error gives its Status with the message
//     replaced by err.Error(), so the wrapping context is kept, and true;
//   - any other error gives false and a Status whose message is err.Error()
//     and whose code is Canceled or DeadlineExceeded for context errors
//     (see FromContextError) and Unknown otherwise.
//
// A GRPCStatus method that returns nil would claim code OK for a failure;
// that gives Unknown and false, as in grpc-go.
func FromError(err error) (s *Status, ok bool) {
	if err == nil {
		return nil, true
	}
	if gs, ok := err.(grpcStatus); ok {
		if st := gs.GRPCStatus(); st != nil {
			return st, true
		}
		return New(codes.Unknown, err.Error()), false
	}
	var gs grpcStatus
	if errors.As(err, &gs) {
		st := gs.GRPCStatus()
		if st == nil {
			return New(codes.Unknown, err.Error()), false
		}
		return &Status{code: st.code, message: err.Error(), details: st.details}, true
	}
	return FromContextError(err), false
}

// FromContextError returns the Status for an error from a context, possibly
// wrapped: Canceled for context.Canceled, DeadlineExceeded for
// context.DeadlineExceeded, and Unknown for any other error. The message is
// err.Error(). It returns nil for a nil error.
func FromContextError(err error) *Status {
	if err == nil {
		return nil
	}
	return New(contextCode(err), err.Error())
}

func contextCode(err error) codes.Code {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	default:
		return codes.Unknown
	}
}

// Convert returns the Status err stands for, as FromError does, without the
// flag.
func Convert(err error) *Status {
	s, _ := FromError(err)
	return s
}

// Code returns the code err stands for, by FromError's rules: OK for nil,
// the carried code for a status error or one that wraps it, Canceled or
// DeadlineExceeded for context errors, Unknown otherwise. It allocates
// nothing, so servers may call it on every failed call.
func Code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if gs, ok := err.(grpcStatus); ok {
		if st := gs.GRPCStatus(); st != nil {
			return st.code
		}
		return codes.Unknown
	}
	var gs grpcStatus
	if errors.As(err, &gs) {
		if st := gs.GRPCStatus(); st != nil {
			return st.code
		}
		return codes.Unknown
	}
	return contextCode(err)
}
