//go:build race

package rpc_test

// raceEnabled skips allocation counts: under the race detector sync.Pool
// drops a share of what it is given on purpose.
const raceEnabled = true
