package transport

import (
	"fmt"
	"testing"
)

func TestHeaderAddGetDel(t *testing.T) {
	var h Header
	h.AddString("content-type", "application/grpc")
	h.Add([]byte("te"), []byte("trailers"))
	h.AddString("x-dup", "1")
	h.AddString("x-dup", "2")
	if h.Len() != 4 {
		t.Fatalf("Len = %d, want 4", h.Len())
	}
	if v, ok := h.Get("te"); !ok || string(v) != "trailers" {
		t.Fatalf("Get(te) = %q, %v", v, ok)
	}
	if v, _ := h.Get("x-dup"); string(v) != "1" {
		t.Fatalf("Get returns first field: got %q", v)
	}
	if _, ok := h.Get("missing"); ok {
		t.Fatal("Get(missing) reported ok")
	}
	if got, want := h.Size(), len("content-type")+len("application/grpc")+2+8+2*(5+1)+4*32; got != want {
		t.Fatalf("Size = %d, want %d", got, want)
	}
	h.Del("x-dup")
	if h.Len() != 2 || h.Has("x-dup") {
		t.Fatalf("after Del: Len %d, Has %v", h.Len(), h.Has("x-dup"))
	}
	n, v := h.At(1)
	if string(n) != "te" || string(v) != "trailers" {
		t.Fatalf("At(1) = %q %q", n, v)
	}
	// Views are capped so an append by the caller cannot clobber the arena.
	n = append(n, 'X')
	if n2, _ := h.At(1); string(n2) != "te" {
		t.Fatalf("append to a view changed the header: %q", n2)
	}
}

func TestHeaderSpill(t *testing.T) {
	var h Header
	for i := 0; i < 3*inlineFields; i++ {
		h.AddString(fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i))
	}
	for i := 0; i < 3*inlineFields; i++ {
		n, v := h.At(i)
		if string(n) != fmt.Sprintf("k%d", i) || string(v) != fmt.Sprintf("v%d", i) {
			t.Fatalf("At(%d) = %q %q", i, n, v)
		}
	}
	// Delete every even field across the inline/spill boundary.
	for i := 0; i < 3*inlineFields; i += 2 {
		h.Del(fmt.Sprintf("k%d", i))
	}
	if h.Len() != 3*inlineFields/2 {
		t.Fatalf("Len after Del = %d", h.Len())
	}
	for j := 0; j < h.Len(); j++ {
		n, _ := h.At(j)
		if want := fmt.Sprintf("k%d", 2*j+1); string(n) != want {
			t.Fatalf("At(%d) = %q, want %q", j, n, want)
		}
	}
	var c Header
	c.CopyFrom(&h)
	if !c.Equal(&h) {
		t.Fatal("CopyFrom result not Equal")
	}
	c.AddString("x", "y")
	if c.Equal(&h) {
		t.Fatal("Equal ignored an extra field")
	}
}

// A pooled stream resets and refills its header for every request; that
// must not allocate once the storage has grown (DESIGN.md hot-path rules).
func TestHeaderReuseAllocs(t *testing.T) {
	var h Header
	fill := func() {
		h.Reset()
		h.AddString(":path", "/grpc.testing.TestService/UnaryCall")
		h.AddString("content-type", "application/grpc")
		h.AddString("te", "trailers")
		h.AddString("grpc-timeout", "1S")
		h.AddString("user-agent", "grpc-go/1.85.0")
		for i := 0; i < 20; i++ { // past the inline index
			h.AddString("x-k", "v")
		}
		if _, ok := h.Get("te"); !ok {
			t.Fatal("te missing")
		}
	}
	fill()
	if a := testing.AllocsPerRun(100, fill); a != 0 {
		t.Fatalf("Header reuse allocates %.1f times per fill, want 0", a)
	}
}

func TestRequestPseudo(t *testing.T) {
	var r Request
	r.Reset()
	if r.HasPath() || r.Path() != nil || r.ContentLength != -1 {
		t.Fatal("fresh request has a path or a content length")
	}
	r.SetMethodString("POST")
	r.SetPath([]byte("/pkg.Svc/M"))
	r.SetSchemeString("http")
	r.SetAuthority([]byte(""))
	if string(r.Method()) != "POST" || string(r.Path()) != "/pkg.Svc/M" || string(r.Scheme()) != "http" {
		t.Fatalf("got %q %q %q", r.Method(), r.Path(), r.Scheme())
	}
	if !r.HasAuthority() || len(r.Authority()) != 0 {
		t.Fatal("empty :authority must be present and empty")
	}
	if r.HasProtocol() {
		t.Fatal(":protocol set unexpectedly")
	}
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset()
		r.SetMethodString("POST")
		r.SetPathString("/grpc.testing.TestService/UnaryCall")
		r.SetAuthorityString("127.0.0.1:50051")
		r.Header.AddString("content-type", "application/grpc")
	})
	if allocs != 0 {
		t.Fatalf("Request reuse allocates %.1f, want 0", allocs)
	}
}

func TestCodeString(t *testing.T) {
	if EnhanceYourCalm.String() != "ENHANCE_YOUR_CALM" || Code(0x42).String() != "unknown error code 0x42" {
		t.Fatalf("got %q, %q", EnhanceYourCalm, Code(0x42))
	}
	err := error(&StreamError{Code: RefusedStream, Remote: true, Unprocessed: true})
	if !IsUnprocessed(fmt.Errorf("wrapped: %w", err)) {
		t.Fatal("IsUnprocessed missed a wrapped unprocessed reset")
	}
	if got := err.Error(); got != "stream reset (remote): REFUSED_STREAM (unprocessed)" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestRequestCopyFrom: the copy owns its memory, so it outlives the
// source's Reset and reuse (what a retired server call keeps).
func TestRequestCopyFrom(t *testing.T) {
	var src Request
	src.Reset()
	src.SetMethodString("POST")
	src.SetPathString("/pkg.Svc/Method")
	src.SetAuthorityString("example.com")
	for i := 0; i < inlineFields+3; i++ {
		src.Header.AddString(fmt.Sprintf("k%d", i), "v")
	}
	src.ContentLength = 42
	drain := make(chan struct{})
	src.Draining = drain
	var c Request
	c.CopyFrom(&src)
	src.Reset()
	src.SetPathString("/other.Svc/Overwritten")
	src.Header.AddString("k0", "overwritten")
	if string(c.Method()) != "POST" || string(c.Path()) != "/pkg.Svc/Method" || string(c.Authority()) != "example.com" || c.HasScheme() {
		t.Fatalf("pseudo fields: %q %q %q scheme %v", c.Method(), c.Path(), c.Authority(), c.HasScheme())
	}
	if c.Header.Len() != inlineFields+3 || c.ContentLength != 42 || c.Draining != (<-chan struct{})(drain) {
		t.Fatalf("fields: %d, %d, %v", c.Header.Len(), c.ContentLength, c.Draining)
	}
	for i := 0; i < c.Header.Len(); i++ {
		if n, v := c.Header.At(i); string(n) != fmt.Sprintf("k%d", i) || string(v) != "v" {
			t.Fatalf("field %d: %q: %q", i, n, v)
		}
	}
}
