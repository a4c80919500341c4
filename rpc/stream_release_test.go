package rpc_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
)

type relCodec struct{}

func (relCodec) Name() string { return "proto" }
func (relCodec) MarshalAppend(dst []byte, v any) ([]byte, error) {
	b, ok := v.([]byte)
	if !ok {
		return dst, errors.New("relCodec: not []byte")
	}
	return append(dst, b...), nil
}
func (relCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}

// relHandler drains the request, then answers per path: "/t/S/Bad" with
// HTTP 503 and no gRPC headers, anything else with an OK status.
func relHandler(st transport.ServerStream) {
	buf := make([]byte, 4096)
	for {
		if _, err := st.Read(buf); err != nil {
			break
		}
	}
	resp := st.Response()
	if string(st.Request().Path()) == "/t/S/Bad" {
		resp.Status = 503
		st.Finish(nil)
		return
	}
	resp.Header.AddString("content-type", "application/grpc")
	var tr transport.Header
	tr.AddString("grpc-status", "0")
	st.Finish(&tr)
}

func relConn(t *testing.T) *rpc.ClientConn {
	t.Helper()
	return dialMem(t, transport.HandlerFunc(relHandler), func(*transporttest.Conn) {})
}

func waitNoActive(t *testing.T, cc *rpc.ClientConn, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for cc.ActiveCalls() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the call still holds its stream and connection (%d active) though grpc-go's NewStream contract (item 4) says a non-nil, non-io.EOF error from SendMsg/Header releases it", what, cc.ActiveCalls())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// grpc-go: "Receive a non-nil, non-io.EOF error from Header or SendMsg"
// is enough to release a stream's resources.
func TestSendMsgErrorReleasesStream(t *testing.T) {
	for _, desc := range []*rpc.StreamDesc{
		{StreamName: "B", ClientStreams: true, ServerStreams: true},
		{StreamName: "S", ServerStreams: true},
	} {
		cc := relConn(t)
		cs, err := cc.NewStream(context.Background(), desc, "/t/S/"+desc.StreamName, rpc.ForceCodec(relCodec{}), rpc.MaxCallSendMsgSize(8))
		if err != nil {
			t.Fatal(err)
		}
		err = cs.SendMsg(make([]byte, 100))
		if status.Code(err) != codes.ResourceExhausted {
			t.Fatalf("%s: SendMsg = %v, want ResourceExhausted", desc.StreamName, err)
		}
		waitNoActive(t, cc, desc.StreamName+" after SendMsg error")
		// And the next RecvMsg reports that error, as grpc-go's does.
		var b []byte
		if err := cs.RecvMsg(&b); status.Code(err) != codes.ResourceExhausted {
			t.Errorf("%s: RecvMsg after failed SendMsg = %v, want ResourceExhausted", desc.StreamName, err)
		}
	}
}

func TestHeaderErrorReleasesStream(t *testing.T) {
	cc := relConn(t)
	desc := &rpc.StreamDesc{StreamName: "Bad", ClientStreams: true, ServerStreams: true}
	cs, err := cc.NewStream(context.Background(), desc, "/t/S/Bad", rpc.ForceCodec(relCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	md, err := cs.Header()
	t.Logf("Header = %v, %v", md, err)
	if err == nil || err == io.EOF {
		// grpc-go returns nil, nil here and finishes the call; either
		// way the stream must be released.
		var b []byte
		if err := cs.RecvMsg(&b); status.Code(err) != codes.Unavailable {
			t.Fatalf("RecvMsg = %v", err)
		}
		return
	}
	waitNoActive(t, cc, "after Header error")
}
