package rpc_test

import (
	"reflect"
	"testing"

	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	"github.com/shockwave-rpc/shockwave/rpc"
)

func TestGetServiceInfo(t *testing.T) {
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, echov1.UnimplementedEchoServiceServer{})
	got := srv.GetServiceInfo()
	want := map[string]rpc.ServiceInfo{
		"shockwave.echo.v1.EchoService": {
			Methods: []rpc.MethodInfo{
				{Name: "Echo"},
				{Name: "ServerStream", IsServerStream: true},
				{Name: "ClientStream", IsClientStream: true},
				{Name: "BidiStream", IsClientStream: true, IsServerStream: true},
			},
			Metadata: "echo/v1/echo.proto",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetServiceInfo() = %+v\nwant %+v", got, want)
	}
	// The result is a copy: changing it leaves the server's alone.
	got["shockwave.echo.v1.EchoService"].Methods[0].Name = "Changed"
	if again := srv.GetServiceInfo(); !reflect.DeepEqual(again, want) {
		t.Fatalf("GetServiceInfo() after changing an earlier result = %+v", again)
	}
}
