package rpc

import (
	"context"
	"errors"
	"strings"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/credentials"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
)

// WithPerRPCCredentials attaches creds' metadata to every call of the
// connection, as grpc-go's option of that name; it may be given more than
// once. Dial fails if creds require transport security and the connection
// has no TLS config.
func WithPerRPCCredentials(creds credentials.PerRPCCredentials) DialOption {
	return dialOptionFunc(func(o *dialOptions) { o.perRPCCreds = append(o.perRPCCreds, creds) })
}

// PerRPCCredentials attaches creds' metadata to one call, after that of
// the connection's WithPerRPCCredentials, as grpc-go's call option.
func PerRPCCredentials(creds credentials.PerRPCCredentials) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.creds = creds })
}

// errCredsNeedTLS is Dial's error for credentials that require TLS on a
// connection without it (grpc-go's wording).
var errCredsNeedTLS = errors.New("grpc: the credentials require transport level security (use grpc.WithTransportCredentials() to set)")

// hasCreds reports whether a call carries per-call credentials, so that
// calls without them skip addCreds.
func (cc *ClientConn) hasCreds(ci *callInfo) bool {
	return len(cc.opts.perRPCCreds) > 0 || ci.creds != nil
}

// addCreds adds the metadata of the connection's and the call's
// credentials to the request head, as grpc-go's transport does
// (getTrAuthData, getCallAuthData): keys lower-cased, the audience
// "https://authority/service", errors mapped to UNAUTHENTICATED (the
// connection's credentials) or INTERNAL (the call's), or to their own code
// if they are status errors outside gRFC A54's list of codes reserved for
// the control plane.
func (cc *ClientConn) addCreds(ctx context.Context, ci *callInfo, req *transport.Request, method string) error {
	secure := req.TLS != nil
	audience := "https://" + strings.TrimSuffix(cc.authority, ":443") + method[:max(strings.LastIndexByte(method, '/'), 0)]
	add := func(c credentials.PerRPCCredentials, failed codes.Code) error {
		if c.RequireTransportSecurity() && !secure {
			return status.Error(codes.Unauthenticated, "transport: cannot send secure credentials on an insecure connection")
		}
		md, err := c.GetRequestMetadata(ctx, audience)
		if err != nil {
			if st, ok := status.FromError(err); ok {
				if restrictedControlPlaneCode(st.Code()) {
					return status.Errorf(codes.Internal, "transport: received per-RPC creds error with illegal status: %v", err)
				}
				return err
			}
			return status.Errorf(failed, "transport: per-RPC creds failed due to error: %v", err)
		}
		var scratch []byte
		for k, v := range md {
			// HTTP/2 field names are lower case (RFC 9113 §8.2.1).
			k = strings.ToLower(k)
			if !metadata.IsValidKey(k) || (!metadata.IsBinaryKey(k) && !metadata.IsValidValue(v)) {
				return status.Errorf(codes.Internal, "transport: per-RPC creds gave invalid metadata %q", k)
			}
			scratch = appendMetadata(&req.Header, k, v, scratch)
		}
		return nil
	}
	for _, c := range cc.opts.perRPCCreds {
		if err := add(c, codes.Unauthenticated); err != nil {
			return err
		}
	}
	if ci.creds != nil {
		return add(ci.creds, codes.Internal)
	}
	return nil
}

// restrictedControlPlaneCode reports the codes gRFC A54 keeps for the
// control plane: an error the credentials return with one becomes
// INTERNAL.
func restrictedControlPlaneCode(c codes.Code) bool {
	switch c {
	case codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.FailedPrecondition, codes.Aborted, codes.OutOfRange, codes.DataLoss:
		return true
	}
	return false
}
