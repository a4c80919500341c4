package rpc

import "time"

// KeepaliveTime is the keepalive interval the next connection of cc will
// use. Tests only.
func (cc *ClientConn) KeepaliveTime() time.Duration {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.keepaliveTime
}
