// Package codes defines the gRPC status codes.
//
// The names, values and String texts are those of google.golang.org/grpc/codes,
// so code written against grpc-go compiles against this package after an
// import change and prints the same text in logs and error messages.
package codes

import "strconv"

// A Code is a gRPC status code, as carried in the grpc-status trailer.
type Code uint32

// The 17 codes of the gRPC specification (doc/statuscodes.md).
const (
	// OK is returned on success.
	OK Code = 0
	// Canceled indicates the operation was canceled, typically by the caller.
	Canceled Code = 1
	// Unknown is an error whose cause is not known, such as an error
	// returned by an API that carries no code.
	Unknown Code = 2
	// InvalidArgument indicates the client specified an invalid argument,
	// independent of the state of the system.
	InvalidArgument Code = 3
	// DeadlineExceeded means the deadline expired before the operation
	// could complete.
	DeadlineExceeded Code = 4
	// NotFound means a requested entity was not found.
	NotFound Code = 5
	// AlreadyExists means an entity the client tried to create already exists.
	AlreadyExists Code = 6
	// PermissionDenied means the caller may not execute the operation. It is
	// not for rejections caused by exhausting a resource (ResourceExhausted)
	// or by an unauthenticated caller (Unauthenticated).
	PermissionDenied Code = 7
	// ResourceExhausted means a resource, such as a quota or a message size
	// limit, has been exhausted.
	ResourceExhausted Code = 8
	// FailedPrecondition means the system is not in a state required for
	// the operation; the client should not retry until the state is fixed.
	FailedPrecondition Code = 9
	// Aborted means the operation was aborted, typically because of a
	// concurrency conflict; the client may retry at a higher level.
	Aborted Code = 10
	// OutOfRange means the operation was attempted past a valid range.
	OutOfRange Code = 11
	// Unimplemented means the operation is not implemented or not supported
	// by this server, including an unknown service or method.
	Unimplemented Code = 12
	// Internal means an invariant of the underlying system is broken.
	Internal Code = 13
	// Unavailable means the service is currently unavailable; retrying with
	// backoff is usually the right response.
	Unavailable Code = 14
	// DataLoss indicates unrecoverable data loss or corruption.
	DataLoss Code = 15
	// Unauthenticated means the request lacks valid authentication
	// credentials.
	Unauthenticated Code = 16
)

// names is indexed by Code; the texts match grpc-go's Code.String.
var names = [...]string{
	OK:                 "OK",
	Canceled:           "Canceled",
	Unknown:            "Unknown",
	InvalidArgument:    "InvalidArgument",
	DeadlineExceeded:   "DeadlineExceeded",
	NotFound:           "NotFound",
	AlreadyExists:      "AlreadyExists",
	PermissionDenied:   "PermissionDenied",
	ResourceExhausted:  "ResourceExhausted",
	FailedPrecondition: "FailedPrecondition",
	Aborted:            "Aborted",
	OutOfRange:         "OutOfRange",
	Unimplemented:      "Unimplemented",
	Internal:           "Internal",
	Unavailable:        "Unavailable",
	DataLoss:           "DataLoss",
	Unauthenticated:    "Unauthenticated",
}

// String returns the code's name, or "Code(N)" for a value outside the
// specification, as grpc-go does.
func (c Code) String() string {
	if uint64(c) < uint64(len(names)) {
		return names[c]
	}
	return "Code(" + strconv.FormatUint(uint64(c), 10) + ")"
}

// FromHTTPStatus maps the HTTP status of a response that carries no
// grpc-status to a code, as gRPC's doc/http-grpc-status-mapping.md requires
// of clients: such a response came from an intermediary (a proxy or load
// balancer), not from a gRPC server.
func FromHTTPStatus(httpStatus int) Code {
	switch httpStatus {
	case 400:
		return Internal
	case 401:
		return Unauthenticated
	case 403:
		return PermissionDenied
	case 404:
		return Unimplemented
	case 429, 502, 503, 504:
		return Unavailable
	default:
		return Unknown
	}
}
