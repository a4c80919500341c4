package transport

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzIsHTTP1RequestLine checks the request-line test that decides
// whether a cleartext connection that is not HTTP/2 gets a 505 or is
// closed: it never panics, what it accepts has the shape RFC 9112 §3
// gives, and every line net/http would serve as HTTP/1.x is accepted.
func FuzzIsHTTP1RequestLine(f *testing.F) {
	for _, line := range []string{
		"GET / HTTP/1.1\r\n", "POST /pkg.Svc/Method HTTP/1.1\r\n", "GET / HTTP/1.0\n",
		"OPTIONS * HTTP/1.1\r\n", "CONNECT example.com:443 HTTP/1.1\r\n",
		"GET /a%20b?q=1 HTTP/1.1", "GET / HTTP/2.0\r\n", ClientPreface[:16],
		"PRI * HTTP/2.0\r\n", " / HTTP/1.1\r\n", "GET HTTP/1.1\r\n", "GET  HTTP/1.1\r\n",
		"GET / HTTP/1.\r\n", "\x16\x03\x01\x00", "", "\r\n", "GET / http/1.1\r\n",
	} {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got := isHTTP1RequestLine(line)
		s := strings.TrimRight(string(line), "\r\n")
		if got {
			sp := strings.IndexByte(s, ' ')
			last := strings.LastIndexByte(s, ' ')
			if sp <= 0 || last <= sp || !strings.HasPrefix(s[last+1:], "HTTP/1.") {
				t.Fatalf("isHTTP1RequestLine(%q) = true, not METHOD SP target SP HTTP/1.x", line)
			}
		}
		if strings.ContainsAny(s, "\r\n") {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader([]byte(s + "\r\nHost: x\r\n\r\n"))))
		if err == nil && req.ProtoMajor == 1 && req.RequestURI != "" && !got {
			t.Fatalf("isHTTP1RequestLine(%q) = false; net/http reads it as %s %q %s", line, req.Method, req.RequestURI, req.Proto)
		}
	})
}
