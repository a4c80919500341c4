package health

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
