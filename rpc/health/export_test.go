package health

import "context"

// SetDraining makes Watch learn of drains from f instead of rpc.Draining,
// until restore is called.
func SetDraining(f func(context.Context) <-chan struct{}) (restore func()) {
	old := draining
	draining = f
	return func() { draining = old }
}

// Watchers returns how many Watch calls are registered, so tests can see a
// call's cleanup happen.
func (s *Server) Watchers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ws := range s.watchers {
		n += len(ws)
	}
	return n
}
