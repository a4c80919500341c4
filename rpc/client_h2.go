package rpc

import (
	"context"
	"errors"

	"github.com/shockwave-rpc/shockwave/transport"
)

// dialH2 connects with HTTP/2.
func (cc *ClientConn) dialH2(ctx context.Context) (transport.ClientConn, error) {
	c, err := cc.dialNet(ctx)
	if err != nil {
		return nil, err
	}
	c.Close()
	return nil, errors.New("rpc: no HTTP/2 client yet")
}
