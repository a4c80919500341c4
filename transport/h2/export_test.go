package h2

// RecvWindows reports the receive windows the client keeps: the stream
// window it advertises in SETTINGS_INITIAL_WINDOW_SIZE and the connection
// window. Tests only.
func (cc *ClientConn) RecvWindows() (stream, conn int64) {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	return cc.c.streamWindow, cc.c.connWindow
}

// RecvQueue exposes the stream receive queue to allocation tests.
type RecvQueue struct{ q recvQueue }

// NewRecvQueue returns an empty queue with its own chunk cache.
func NewRecvQueue() *RecvQueue { return &RecvQueue{recvQueue{cache: new(chunkCache)}} }

func (q *RecvQueue) Push(p []byte)     { q.q.push(p) }
func (q *RecvQueue) Read(p []byte) int { return q.q.read(p) }
func (q *RecvQueue) Len() int          { return q.q.len() }

// RecvBuffered reports the body bytes the client connection holds unread
// across its streams (the count the buffered cap limits) and the
// connection window it keeps. Tests only.
func (cc *ClientConn) RecvBuffered() (unread int, window int64) {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	return cc.c.chunks.unread, cc.c.connWindow
}

// RecvBuffered is ClientConn.RecvBuffered for a server serving one
// connection; with none, or more than one, it reports -1. Tests only.
func (s *Server) RecvBuffered() (unread int, window int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) != 1 {
		return -1, 0
	}
	for c := range s.conns {
		c.mu.Lock()
		unread, window = c.chunks.unread, c.connWindow
		c.mu.Unlock()
	}
	return unread, window
}

// SetNextStreamID sets the ID the client's next stream takes. Tests only.
func (cc *ClientConn) SetNextStreamID(id uint32) {
	cc.c.mu.Lock()
	defer cc.c.mu.Unlock()
	cc.c.nextID = id
}

// Conns reports how many connections the server lists: ServeConn lists one
// before it reads the client preface. Tests only.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Closed reports whether Shutdown or Close has begun: Shutdown queues its
// GOAWAYs in the same critical section that sets it. Tests only.
func (s *Server) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
