// Package credentials defines per-call credentials: metadata, such as an
// OAuth2 bearer token, that a client attaches to each call.
//
// PerRPCCredentials is grpc-go's interface of the same name, method for
// method, so an implementation written for grpc-go works here as it is:
// pass it to rpc.WithPerRPCCredentials for every call of a connection, or
// to rpc.PerRPCCredentials for one call. The exception is one that asks
// grpc-go's credentials.RequestInfoFromContext for the connection's
// security level (grpc-go's own oauth.TokenSource does): the context
// carries no grpc-go RequestInfo here, so it finds none and fails; such a
// check belongs to RequireTransportSecurity, which is honoured.
package credentials

import "context"

// PerRPCCredentials supplies the metadata a call carries to authenticate
// itself.
type PerRPCCredentials interface {
	// GetRequestMetadata returns the metadata for one call: keys are
	// lower-cased before they are sent. uri is the call's audience, as
	// grpc-go computes it: "https://" + the server's authority (":443"
	// dropped) + the service's path ("/pkg.Service"). An error fails the
	// call, as in grpc-go: with its own code if it is a status error
	// (INTERNAL for the codes gRFC A54 keeps for the control plane), else
	// with UNAUTHENTICATED for a connection's credentials and INTERNAL for
	// a call's.
	GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error)
	// RequireTransportSecurity reports whether the credentials may only
	// travel over TLS; then a call on a cleartext connection fails with
	// UNAUTHENTICATED instead of sending them.
	RequireTransportSecurity() bool
}
