package h2

// RecvWindows reports the receive windows the client keeps: the stream
// window it advertises in SETTINGS_INITIAL_WINDOW_SIZE and the connection
// window. Tests only.
func (cc *ClientConn) RecvWindows() (stream, conn int64) {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	return cc.c.streamWindow, cc.c.connWindow
}
