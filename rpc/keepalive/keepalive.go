// Package keepalive holds the keepalive and connection-age settings of
// clients and servers. The types are grpc-go's (google.golang.org/grpc/
// keepalive), field for field, so that code moving from grpc-go changes
// only its import; rpc.WithKeepaliveParams, rpc.KeepaliveParams and
// rpc.KeepaliveEnforcementPolicy take them.
//
// The two sides must agree: a server enforces an EnforcementPolicy on the
// client's PINGs (by default at most one per 5 minutes, and none while no
// call is open), and closes the connection of a client that pings more
// often with GOAWAY ENHANCE_YOUR_CALM "too_many_pings". A client that
// receives it doubles its ClientParameters.Time for its next connections,
// as grpc-go's does.
package keepalive

import "time"

// ClientParameters sets how a client checks that its connection is alive
// (HTTP/2 PING frames).
type ClientParameters struct {
	// Time is how long the connection may go without any frame from the
	// server before the client sends a PING: it goes out Time after the
	// last frame, as grpc-go's. 0 turns keepalive off (the default).
	// grpc-go raises values below 10 s to 10 s; this client takes what it
	// is given, and relies on the server's too_many_pings to slow it down
	// if that is too often.
	Time time.Duration
	// Timeout is how long the client waits for anything after a PING
	// before it closes the connection (default 20 s).
	Timeout time.Duration
	// PermitWithoutStream lets the client ping while no call is open. By
	// default it does not: servers close idle connections that ping (see
	// EnforcementPolicy).
	PermitWithoutStream bool
}

// ServerParameters sets how long a server keeps connections and how it
// checks that they are alive. Zero fields take the defaults.
type ServerParameters struct {
	// MaxConnectionIdle closes a connection gracefully (GOAWAY) after it
	// had no call open for this long. Default: never.
	MaxConnectionIdle time.Duration
	// MaxConnectionAge closes a connection gracefully once it has been
	// open for this long, give or take 10%: clients reconnect, which
	// spreads them again across the servers behind a load balancer.
	// Default: never.
	MaxConnectionAge time.Duration
	// MaxConnectionAgeGrace is how long calls in flight may run on after
	// MaxConnectionAge before the connection closes under them. Default:
	// as long as they take.
	MaxConnectionAgeGrace time.Duration
	// Time is how long the connection may go without any frame from the
	// client before the server sends a PING (Time after the last frame,
	// as for the client). Default: 2 hours.
	Time time.Duration
	// Timeout is how long the server waits for anything after a PING
	// before it closes the connection. Default: 20 s.
	Timeout time.Duration
}

// EnforcementPolicy is what a server holds clients' PINGs to. A PING
// sooner than MinTime after the previous one (two hours while no call is
// open, unless PermitWithoutStream) is a strike, unless the server sent
// headers or data since the previous PING; the third strike closes the
// connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
type EnforcementPolicy struct {
	// MinTime is the least interval the server accepts between PINGs.
	// Default: 5 minutes.
	MinTime time.Duration
	// PermitWithoutStream lets clients ping while no call is open.
	PermitWithoutStream bool
}
