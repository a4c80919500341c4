package rpc

import (
	"math"
	"time"
)

// PROTOCOL-HTTP2.md: Timeout → "grpc-timeout" TimeoutValue TimeoutUnit,
// where TimeoutValue is a positive integer of at most 8 ASCII digits and
// TimeoutUnit is one of H, M, S, m, u, n (hours down to nanoseconds).
const maxTimeoutDigits = 8

// timeoutUnit returns the duration of one unit of a grpc-timeout.
func timeoutUnit(u byte) (time.Duration, bool) {
	switch u {
	case 'H':
		return time.Hour, true
	case 'M':
		return time.Minute, true
	case 'S':
		return time.Second, true
	case 'm':
		return time.Millisecond, true
	case 'u':
		return time.Microsecond, true
	case 'n':
		return time.Nanosecond, true
	}
	return 0, false
}

// parseTimeout parses a grpc-timeout value. A timeout too long for a
// time.Duration is clamped to the longest one, as grpc-go does, since it is
// effectively no deadline.
func parseTimeout(v []byte) (time.Duration, bool) {
	if len(v) < 2 || len(v) > maxTimeoutDigits+1 {
		return 0, false
	}
	unit, ok := timeoutUnit(v[len(v)-1])
	if !ok {
		return 0, false
	}
	var n int64
	for _, c := range v[:len(v)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > math.MaxInt64/int64(unit) {
		return math.MaxInt64, true
	}
	return time.Duration(n) * unit, true
}

// appendTimeout appends d as a grpc-timeout value: the finest unit whose
// value fits in 8 digits, rounding up so the server never sees a deadline
// earlier than the client's. A deadline already past is sent as "0n"; the
// server then fails the call with DEADLINE_EXCEEDED at once.
func appendTimeout(dst []byte, d time.Duration) []byte {
	if d <= 0 {
		return append(dst, '0', 'n')
	}
	const max = 99999999
	units := [...]struct {
		d time.Duration
		c byte
	}{
		{time.Nanosecond, 'n'},
		{time.Microsecond, 'u'},
		{time.Millisecond, 'm'},
		{time.Second, 'S'},
		{time.Minute, 'M'},
		{time.Hour, 'H'},
	}
	for _, u := range units {
		v := d / u.d
		if d%u.d != 0 {
			v++
		}
		if v <= max {
			return appendUint(dst, uint64(v), u.c)
		}
	}
	return append(dst, "99999999H"...)
}

// appendUint appends n in decimal and then suffix.
func appendUint(dst []byte, n uint64, suffix byte) []byte {
	var b [21]byte
	i := len(b) - 1
	b[i] = suffix
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}
