package hpack_test

import (
	"fmt"

	"github.com/shockwave-rpc/shockwave/hpack"
)

func Example() {
	// One side of a connection encodes a gRPC request's headers...
	enc := hpack.NewEncoder(4096)
	var block []byte
	for _, f := range [][2]string{
		{":method", "POST"},
		{":scheme", "http"},
		{":path", "/echo.Echo/Say"},
		{"content-type", "application/grpc"},
		{"te", "trailers"},
	} {
		block = enc.AppendField(block, hpack.Field{Name: []byte(f[0]), Value: []byte(f[1])})
	}
	block = enc.AppendField(block, hpack.Field{Name: []byte("authorization"), Value: []byte("Bearer t0k3n"), Sensitive: true})

	// ...and the other decodes them. Fields are views valid during the
	// callback only: copy what you keep.
	dec := hpack.NewDecoder(4096)
	err := dec.Decode(block, func(f hpack.Field) {
		fmt.Printf("%s: %s (sensitive %v)\n", f.Name, f.Value, f.Sensitive)
	})
	fmt.Println("err:", err)

	// The same request again is mostly table indexes.
	n := len(block)
	block = block[:0]
	for _, f := range [][2]string{{":method", "POST"}, {":path", "/echo.Echo/Say"}, {"content-type", "application/grpc"}} {
		block = enc.AppendField(block, hpack.Field{Name: []byte(f[0]), Value: []byte(f[1])})
	}
	fmt.Printf("first block %d bytes, repeated fields %d bytes\n", n, len(block))
	// Output:
	// :method: POST (sensitive false)
	// :scheme: http (sensitive false)
	// :path: /echo.Echo/Say (sensitive false)
	// content-type: application/grpc (sensitive false)
	// te: trailers (sensitive false)
	// authorization: Bearer t0k3n (sensitive true)
	// err: <nil>
	// first block 51 bytes, repeated fields 3 bytes
}
