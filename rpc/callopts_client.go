package rpc

import (
	"strings"

	"github.com/shockwave-rpc/shockwave/rpc/credentials"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/transport"
)

// callInfo is the per-call settings a client builds from the CallOptions of
// a call.
type callInfo struct {
	header       *metadata.MD
	trailer      *metadata.MD
	peer         *peer.Peer
	compressor   string
	maxRecv      int
	maxSend      int
	waitForReady bool
	codec        Codec
	// noCodec is the content subtype CallContentSubtype named when no
	// codec is registered under it: the call fails, as in grpc-go.
	noCodec string
	creds   credentials.PerRPCCredentials
}

type callOptionFunc func(*callInfo)

func (f callOptionFunc) applyCall(ci *callInfo) { f(ci) }

// Header stores the response headers of the call in *md when it ends.
func Header(md *metadata.MD) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.header = md })
}

// Trailer stores the response trailers of the call in *md when it ends.
func Trailer(md *metadata.MD) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.trailer = md })
}

// Peer stores in *p the connection the call went out on: the server's
// address, the client's own and the TLS state, as grpc-go's grpc.Peer
// does. *p is filled as soon as the call has a stream on a connection,
// which is before Invoke or NewStream returns, so a streaming call's
// Peer is there before its response headers, and a call that fails with
// a status from the server reports it too. A call that fails before it
// reaches a connection leaves *p as it was. A streaming call replayed on
// a new stream (transparent retry) reports that stream's when it ends, as
// grpc-go reports the attempt that finished.
func Peer(p *peer.Peer) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.peer = p })
}

// setPeer fills the Peer option's target, if any, from the request head
// of a stream just opened, where the transport put the connection's
// addresses and TLS state.
func (ci *callInfo) setPeer(req *transport.Request) {
	if ci.peer != nil {
		*ci.peer = peerOf(req)
	}
}

// peerOf is the connection a stream went out on, from its request head.
func peerOf(req *transport.Request) peer.Peer {
	return peer.Peer{Addr: req.RemoteAddr, LocalAddr: req.LocalAddr, TLS: req.TLS}
}

// UseCompressor compresses the call's request messages with the named
// registered compressor ("gzip"), sent as grpc-encoding.
func UseCompressor(name string) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.compressor = name })
}

// MaxCallRecvMsgSize sets the largest response message the call accepts
// (default 4 MiB); a larger one fails it with RESOURCE_EXHAUSTED.
func MaxCallRecvMsgSize(n int) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.maxRecv = n })
}

// MaxCallSendMsgSize sets the largest request message the call sends
// (default unlimited).
func MaxCallSendMsgSize(n int) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.maxSend = n })
}

// WaitForReady makes a call wait, until its context ends, for a connection
// that is being established or is backing off after a failure, rather
// than fail at once with UNAVAILABLE.
func WaitForReady(wait bool) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.waitForReady = wait })
}

// ForceCodec makes the call use codec, sent as the content-type subtype
// (application/grpc+<name>).
func ForceCodec(codec Codec) CallOption {
	return callOptionFunc(func(ci *callInfo) { ci.codec, ci.noCodec = codec, "" })
}

// CallContentSubtype makes the call use the registered codec of that name,
// matched without regard to case ("json" for application/grpc+json). With
// no codec registered under it the call fails with INTERNAL, as in grpc-go.
func CallContentSubtype(name string) CallOption {
	name = strings.ToLower(name)
	return callOptionFunc(func(ci *callInfo) {
		ci.codec, ci.noCodec = GetCodec(name), ""
		if ci.codec == nil {
			ci.noCodec = name
		}
	})
}

func (ci *callInfo) reset() {
	*ci = callInfo{maxRecv: defaultMaxRecvMsgSize, maxSend: defaultMaxSendMsgSize}
}
