package rpc

import (
	"reflect"
	"testing"

	"github.com/shockwave-rpc/shockwave/rpc/metadata"
	"github.com/shockwave-rpc/shockwave/transport"
)

func testRequestHeader() *transport.Header {
	var h transport.Header
	h.AddString("content-type", "application/grpc")
	h.AddString("user-agent", "grpc-go/1.85.0")
	h.AddString("te", "trailers")
	h.AddString("grpc-timeout", "1S")
	h.AddString("grpc-accept-encoding", "gzip")
	h.AddString("authorization", "Bearer abc")
	h.AddString("x-multi", "one")
	h.AddString("x-other", "two")
	h.AddString("x-multi", "three")
	h.AddString("x-data-bin", metadata.EncodeBinHeader([]byte{0, 1, 2, 0xff}))
	h.AddString("x-bad-bin", "!!!not base64")
	return &h
}

func TestHeaderToMD(t *testing.T) {
	h := testRequestHeader()
	got := headerToMD(h, []byte("example.com:443"), true)
	want := metadata.MD{
		":authority":           {"example.com:443"},
		"content-type":         {"application/grpc"},
		"user-agent":           {"grpc-go/1.85.0"},
		"grpc-accept-encoding": {"gzip"},
		"authorization":        {"Bearer abc"},
		"x-multi":              {"one", "three"},
		"x-other":              {"two"},
		"x-data-bin":           {"\x00\x01\x02\xff"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("server metadata:\n got %q\nwant %q", got, want)
	}
	// Appending to one key must not clobber another's value.
	got["x-multi"] = append(got["x-multi"], "four")
	got["x-other"] = append(got["x-other"], "five")
	if got["x-multi"][1] != "three" || got["x-other"][0] != "two" {
		t.Fatalf("appends interfered: %q", got)
	}
	// The client side keeps no reserved field at all.
	client := headerToMD(h, nil, false)
	if _, ok := client["user-agent"]; ok {
		t.Fatalf("client metadata kept user-agent: %q", client)
	}
	if _, ok := client[":authority"]; ok {
		t.Fatalf("client metadata has :authority: %q", client)
	}
}

// Building metadata is per call for handlers that read it, so it is kept to
// a few allocations whatever the number of fields: the map, the value bytes,
// the value slices, and names that are not common ones.
func TestHeaderToMDAllocs(t *testing.T) {
	h := testRequestHeader()
	a := testing.AllocsPerRun(200, func() { headerToMD(h, []byte("example.com"), true) })
	// The map's storage, the value bytes, the value slices, x-multi's
	// second slice, and one string per uncommon name field (four here):
	// 11, where a string and a slice per field made it 35.
	if a > 11 {
		t.Fatalf("headerToMD allocates %.0f times, want <= 11", a)
	}
}
