// Package connectivity names the states of a client connection, as
// grpc-go's package of that name does, so that code watching a
// connection's state (readiness checks, tests waiting for READY) moves
// over with an import change. rpc.ClientConn's GetState and
// WaitForStateChange report them.
package connectivity

// State is the state of a client connection.
type State int

const (
	// Idle: no connection, and none being made; the next call (or
	// Connect) connects.
	Idle State = iota
	// Connecting: a connection is being made.
	Connecting
	// Ready: connected; calls go out at once.
	Ready
	// TransientFailure: the last attempt to connect failed; calls fail
	// fast (unless WaitForReady) until the backoff has passed.
	TransientFailure
	// Shutdown: the ClientConn was closed.
	Shutdown
)

// String returns grpc-go's name of the state.
func (s State) String() string {
	switch s {
	case Idle:
		return "IDLE"
	case Connecting:
		return "CONNECTING"
	case Ready:
		return "READY"
	case TransientFailure:
		return "TRANSIENT_FAILURE"
	case Shutdown:
		return "SHUTDOWN"
	}
	return "INVALID_STATE"
}
