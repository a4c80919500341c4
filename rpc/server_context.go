package rpc

import (
	"context"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/rpc/peer"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// serverCallKey finds the call behind a context derived from a handler's.
type serverCallKey struct{}

// incomingMDKey is the key rpc/metadata looks incoming metadata up by. The
// key type is unexported there, so it is learnt once by watching which key
// FromIncomingContext asks a context for; the call context then answers
// that key with metadata built on first use, and calls that never ask
// build none.
var incomingMDKey = learnKey(func(ctx context.Context) { metadata.FromIncomingContext(ctx) })

// peerKey is rpc/peer's key, learnt the same way, so that the call context
// can answer peer.FromContext with a Peer built on first use without
// rpc/peer exporting its key.
var peerKey = learnKey(func(ctx context.Context) { peer.FromContext(ctx) })

// learnKey returns the key ask looks a context up by.
func learnKey(ask func(context.Context)) any {
	r := &keyRecorder{Context: context.Background()}
	ask(r)
	return r.key
}

type keyRecorder struct {
	context.Context
	key any
}

func (r *keyRecorder) Value(key any) any {
	r.key = key
	return nil
}

func serverCallFrom(ctx context.Context) *serverCall {
	if c, ok := ctx.(*serverCall); ok {
		return c
	}
	c, _ := ctx.Value(serverCallKey{}).(*serverCall)
	return c
}

// SetHeader adds md to the response headers of the call ctx belongs to;
// they go out with the first response message, on SendHeader, or with
// the status. It fails once they have been sent.
func SetHeader(ctx context.Context, md metadata.MD) error {
	c := serverCallFrom(ctx)
	if c == nil {
		return status.Error(codes.Internal, "rpc: failed to fetch the stream from the context")
	}
	return c.SetHeader(md)
}

// SendHeader sends the response headers, with md added, now.
func SendHeader(ctx context.Context, md metadata.MD) error {
	c := serverCallFrom(ctx)
	if c == nil {
		return status.Error(codes.Internal, "rpc: failed to fetch the stream from the context")
	}
	return c.SendHeader(md)
}

// SetTrailer adds md to the trailers sent with the call's status.
func SetTrailer(ctx context.Context, md metadata.MD) error {
	c := serverCallFrom(ctx)
	if c == nil {
		return status.Error(codes.Internal, "rpc: failed to fetch the stream from the context")
	}
	c.SetTrailer(md)
	return nil
}

// SetSendCompressor makes the server compress the call's response
// messages with the named registered compressor ("identity" for none).
// Before the first message it chooses the call's grpc-encoding; the client
// should have listed it in grpc-accept-encoding, as grpc-go requires.
// After the headers have gone, messages may still be switched between
// the announced encoding and identity one by one (PROTOCOL-HTTP2.md: the
// Compressed-Flag is per message), but not to another encoding.
func SetSendCompressor(ctx context.Context, name string) error {
	c := serverCallFrom(ctx)
	if c == nil {
		return status.Error(codes.Internal, "rpc: failed to fetch the stream from the context")
	}
	if name == Identity || name == "" {
		c.sendComp = nil
		return nil
	}
	comp := compressors[name]
	if comp == nil {
		return status.Error(codes.Internal, "rpc: compressor not registered: "+name)
	}
	if c.headerSent && comp != c.headerComp {
		return status.Error(codes.Internal, "rpc: grpc-encoding already sent as "+encodingName(c.headerComp))
	}
	c.sendComp = comp
	return nil
}

func encodingName(c Compressor) string {
	if c == nil {
		return Identity
	}
	return c.Name()
}

// ClientSupportedCompressors returns the encodings the client listed in
// grpc-accept-encoding.
func ClientSupportedCompressors(ctx context.Context) []string {
	c := serverCallFrom(ctx)
	if c == nil {
		return nil
	}
	v, ok := c.acceptEncoding()
	if !ok {
		return nil
	}
	return splitComma(v)
}

// Draining returns a channel that is closed once the server begins to shut
// down the connection the call ctx belongs to: GracefulStop (or the
// transport server's Shutdown), the connection reaching its maximum age
// (keepalive.ServerParameters.MaxConnectionAge), or the connection closing.
// GracefulStop waits for the calls in flight, so a handler whose call may
// stay open for as long as its client likes (a subscription, a health
// Watch) should end the call when this closes, with UNAVAILABLE, say,
// which clients retry elsewhere; otherwise the drain waits for the client,
// or for its own deadline. The channel is nil, which never closes, for a
// context that is no server call's and where the transport cannot tell. As
// with the call's other views, ask during the call.
func Draining(ctx context.Context) <-chan struct{} {
	c := serverCallFrom(ctx)
	if c == nil {
		return nil
	}
	return c.draining()
}

// Method returns the full method name ("/pkg.Service/Method") of the call
// ctx belongs to.
func Method(ctx context.Context) (string, bool) {
	c := serverCallFrom(ctx)
	if c == nil {
		return "", false
	}
	return c.method(), true
}

func splitComma(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		v := s[:i]
		for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
			v = v[1:]
		}
		for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
			v = v[:len(v)-1]
		}
		if v != "" {
			out = append(out, v)
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}
