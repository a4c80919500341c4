package h2_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/h2"
)

// A server and a client over loopback: the handler greets the caller and
// sends a trailer.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &transport.Server{H2: h2.NewServer(transport.HandlerFunc(func(st transport.ServerStream) {
		name, _ := io.ReadAll(st)
		st.Response().Header.AddString("content-type", "text/plain")
		fmt.Fprintf(st, "hello, %s", name)
		var tr transport.Header
		tr.AddString("x-result", "done")
		st.Finish(&tr)
	}))}
	go srv.Serve(l)
	defer srv.Close()

	cc, err := h2.Dial(context.Background(), l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer cc.Close()
	cs, err := cc.NewStream(context.Background())
	if err != nil {
		panic(err)
	}
	defer cs.Close()
	req := cs.Request()
	req.SetMethodString("POST")
	req.SetSchemeString("http")
	req.SetAuthorityString("localhost")
	req.SetPathString("/greet")
	io.WriteString(cs, "gopher")
	cs.CloseSend(nil)

	resp, err := cs.Response()
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(cs)
	result, _ := cs.Trailers().Get("x-result")
	fmt.Println(resp.Status, string(body), string(result))
	// Output: 200 hello, gopher done
}
