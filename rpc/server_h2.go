package rpc

import (
	"errors"

	"github.com/shockwave-rpc/shockwave/transport"
)

// newH2Server returns the constructor of the HTTP/2 connection server that
// Serve uses.
func newH2Server(opts []any) func(h transport.Handler) (transport.ConnServer, error) {
	return func(h transport.Handler) (transport.ConnServer, error) {
		return nil, errors.New("rpc: no HTTP/2 server yet")
	}
}
