package rpc

import "time"

// KeepaliveTime is the keepalive interval the next connection of cc will
// use. Tests only.
func (cc *ClientConn) KeepaliveTime() time.Duration {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.keepaliveTime
}

// ActiveCalls is the number of calls counted on cc's connections. Tests
// only.
func (cc *ClientConn) ActiveCalls() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	n := 0
	for r := range cc.all {
		n += int(r.active.Load())
	}
	return n
}
