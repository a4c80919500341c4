package codes

import "testing"

func TestString(t *testing.T) {
	want := []string{
		"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
		"NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
		"FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
		"Internal", "Unavailable", "DataLoss", "Unauthenticated",
	}
	for i, w := range want {
		if got := Code(i).String(); got != w {
			t.Errorf("Code(%d).String() = %q, want %q", i, got, w)
		}
	}
	if got := Code(17).String(); got != "Code(17)" {
		t.Errorf("Code(17).String() = %q", got)
	}
	if got := Code(1 << 31).String(); got != "Code(2147483648)" {
		t.Errorf("Code(1<<31).String() = %q", got)
	}
}

func TestFromHTTPStatus(t *testing.T) {
	cases := map[int]Code{
		400: Internal, 401: Unauthenticated, 403: PermissionDenied,
		404: Unimplemented, 429: Unavailable, 502: Unavailable,
		503: Unavailable, 504: Unavailable,
		200: Unknown, 500: Unknown, 418: Unknown, 0: Unknown,
	}
	for h, want := range cases {
		if got := FromHTTPStatus(h); got != want {
			t.Errorf("FromHTTPStatus(%d) = %v, want %v", h, got, want)
		}
	}
}

func TestStringAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = NotFound.String() }); n != 0 {
		t.Errorf("String allocates %v times for a known code", n)
	}
}
