package transporttest

import (
	"net"
	"sync"
)

// CountingListener counts the connections it accepts: tests use it to see
// clients reconnect (after a GOAWAY, a maximum connection age).
type CountingListener struct {
	net.Listener
	mu sync.Mutex
	n  int
}

// Accept accepts from the wrapped listener and counts the connection.
func (l *CountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
	return c, err
}

// Accepted reports how many connections Accept returned.
func (l *CountingListener) Accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}
