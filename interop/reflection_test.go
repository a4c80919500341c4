package interop

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// rpc/reflection against real peers: grpc-go's generated reflection
// clients, v1 and v1alpha, in this test binary, and grpcurl.
//
// Our server runs in this process, beside grpc-go's grpc_reflection_v1
// and v1alpha: proto/grpc/reflection registers its files in private
// registries, so the two generated copies share a binary
// (coexist_test.go checks that in detail).

var (
	grpcurlBuildOnce sync.Once
	grpcurlPath      string
	grpcurlBuildErr  error
)

// grpcurlBin returns the path of grpcurl, built once from the module graph
// (without -race: it is not under test). A test fails, never skips, when
// it cannot be built.
func grpcurlBin(t *testing.T) string {
	t.Helper()
	grpcurlBuildOnce.Do(func() {
		grpcurlPath = filepath.Join(binDir, "grpcurl")
		grpcurlBuildErr = goBuild("grpcurl", []string{"build", "-o", grpcurlPath, "github.com/fullstorydev/grpcurl/cmd/grpcurl"})
	})
	if grpcurlBuildErr != nil {
		t.Fatalf("building grpcurl failed: %v", grpcurlBuildErr)
	}
	return grpcurlPath
}

// startReflectionServer serves grpc.testing.TestService (NewTestServer)
// and server reflection over h2c on 127.0.0.1 and returns the address; the
// test's cleanup stops the server.
func startReflectionServer(t *testing.T) string {
	t.Helper()
	srv := rpc.NewServer()
	grpc_testing.RegisterTestServiceServer(srv, NewTestServer())
	reflection.Register(srv)
	return serveInProcess(t, srv.Serve, srv.Stop)
}

// reflectionStream is a grpc-go ServerReflectionInfo call of either
// version, seen through v1 messages. A v1alpha call sends and receives
// grpc-go's v1alpha messages, converted from and to v1 by their encoding,
// which the two versions share field for field.
type reflectionStream struct {
	send func(*reflectionv1.ServerReflectionRequest) error
	recv func() (*reflectionv1.ServerReflectionResponse, error)
	grpc.ClientStream
}

var reflectionVersions = []struct {
	name string
	open func(context.Context, *grpc.ClientConn) (*reflectionStream, error)
}{
	{"v1", func(ctx context.Context, cc *grpc.ClientConn) (*reflectionStream, error) {
		s, err := reflectionv1.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
		if err != nil {
			return nil, err
		}
		return &reflectionStream{send: s.Send, recv: s.Recv, ClientStream: s}, nil
	}},
	{"v1alpha", func(ctx context.Context, cc *grpc.ClientConn) (*reflectionStream, error) {
		s, err := reflectionv1alpha.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
		if err != nil {
			return nil, err
		}
		return &reflectionStream{
			send: func(req *reflectionv1.ServerReflectionRequest) error {
				alpha := new(reflectionv1alpha.ServerReflectionRequest)
				if err := reencode(req, alpha); err != nil {
					return err
				}
				return s.Send(alpha)
			},
			recv: func() (*reflectionv1.ServerReflectionResponse, error) {
				alpha, err := s.Recv()
				if err != nil {
					return nil, err
				}
				resp := new(reflectionv1.ServerReflectionResponse)
				return resp, reencode(alpha, resp)
			},
			ClientStream: s,
		}, nil
	}},
}

func reencode(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, to)
}

// ask sends req and returns the answer, which must echo the request.
func (s *reflectionStream) ask(t *testing.T, req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
	t.Helper()
	if err := s.send(req); err != nil {
		t.Fatalf("Send %v: %v", req, err)
	}
	resp, err := s.recv()
	if err != nil {
		t.Fatalf("Recv for %v: %v", req, err)
	}
	if !proto.Equal(resp.GetOriginalRequest(), req) || resp.GetValidHost() != req.GetHost() {
		t.Errorf("answer to %v echoes host %q and request %v", req, resp.GetValidHost(), resp.GetOriginalRequest())
	}
	return resp
}

// reflectedFiles decodes a file_descriptor_response; it fails t on any
// other answer.
func reflectedFiles(t *testing.T, resp *reflectionv1.ServerReflectionResponse) []*descriptorpb.FileDescriptorProto {
	t.Helper()
	if e := resp.GetErrorResponse(); e != nil {
		t.Fatalf("error response %v %q for %v", codes.Code(e.GetErrorCode()), e.GetErrorMessage(), resp.GetOriginalRequest())
	}
	r := resp.GetFileDescriptorResponse()
	if r == nil {
		t.Fatalf("answer to %v is %v, want a file_descriptor_response", resp.GetOriginalRequest(), resp)
	}
	var files []*descriptorpb.FileDescriptorProto
	for _, b := range r.GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			t.Fatalf("file_descriptor_proto does not decode: %v", err)
		}
		files = append(files, fdp)
	}
	return files
}

func fileNamesOf(files []*descriptorpb.FileDescriptorProto) []string {
	var names []string
	for _, f := range files {
		names = append(names, f.GetName())
	}
	return names
}

// wantFile fails t unless got is the descriptor of the file registered at
// path in this process, go_package aside when ignoreGoPackage is set.
func wantFile(t *testing.T, got *descriptorpb.FileDescriptorProto, fd protoreflect.FileDescriptor, ignoreGoPackage bool) {
	t.Helper()
	want := protodesc.ToFileDescriptorProto(fd)
	if ignoreGoPackage {
		got, want = proto.CloneOf(got), proto.CloneOf(want)
		got.GetOptions().GoPackage = nil
		want.GetOptions().GoPackage = nil
	}
	if !proto.Equal(got, want) {
		t.Errorf("%s differs from the descriptor compiled into this test:\ngot  %v\nwant %v", fd.Path(), got, want)
	}
}

// TestReflectionGRPCGoClient asks our reflection service every kind of
// question with grpc-go's generated clients, v1 and v1alpha, and checks
// the files against the descriptors compiled into this test: grpc.testing
// from the same .proto files, and grpc-go's own reflection protos, which
// must match the ones rpc/reflection vendors (TestCoexistWithGRPCGo
// compares the two copies directly).
func TestReflectionGRPCGoClient(t *testing.T) {
	addr := startReflectionServer(t)
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	testProto := grpc_testing.File_grpc_testing_test_proto

	for _, v := range reflectionVersions {
		t.Run(v.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := v.open(ctx, cc)
			if err != nil {
				t.Fatal(err)
			}

			list := s.ask(t, &reflectionv1.ServerReflectionRequest{
				Host:           "reflection.test",
				MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{},
			}).GetListServicesResponse()
			var services []string
			for _, svc := range list.GetService() {
				services = append(services, svc.GetName())
			}
			if want := []string{"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService"}; !slices.Equal(services, want) {
				t.Errorf("list_services: %q, want %q", services, want)
			}

			// The service's file, then its imports.
			files := reflectedFiles(t, s.ask(t, bySymbolReq("grpc.testing.TestService")))
			if got, want := fileNamesOf(files), []string{"grpc/testing/test.proto", "grpc/testing/empty.proto", "grpc/testing/messages.proto"}; !slices.Equal(got, want) {
				t.Fatalf("file_containing_symbol grpc.testing.TestService: %q, want %q", got, want)
			}
			for _, f := range files {
				fd, err := protoregistry.GlobalFiles.FindFileByPath(f.GetName())
				if err != nil {
					t.Fatal(err)
				}
				wantFile(t, f, fd, false)
			}
			linked, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: files})
			if err != nil {
				t.Fatalf("the files sent do not link: %v", err)
			}
			d, err := linked.FindDescriptorByName("grpc.testing.TestService")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := d.(protoreflect.ServiceDescriptor).Methods().Len(), testProto.Services().ByName("TestService").Methods().Len(); got != want {
				t.Errorf("TestService came back with %d methods, want %d", got, want)
			}

			// Imports already sent on this stream are not sent again; the
			// file asked for is.
			for _, tc := range []struct{ symbol, file string }{
				{"grpc.testing.TestService.UnaryCall", "grpc/testing/test.proto"},
				{"grpc.testing.SimpleRequest.response_size", "grpc/testing/messages.proto"},
				{"grpc.testing.COMPRESSABLE", "grpc/testing/messages.proto"}, // enum value
				{"grpc.testing.Empty", "grpc/testing/empty.proto"},
			} {
				if got := fileNamesOf(reflectedFiles(t, s.ask(t, bySymbolReq(tc.symbol)))); !slices.Equal(got, []string{tc.file}) {
					t.Errorf("file_containing_symbol %s: %q, want only %s", tc.symbol, got, tc.file)
				}
			}

			// The reflection protos are grpc-go's, go_package aside. In this
			// binary they come from grpc-go's copy, registered in
			// GlobalFiles, which the service consults first.
			for _, fd := range []protoreflect.FileDescriptor{
				reflectionv1.File_grpc_reflection_v1_reflection_proto,
				reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto,
			} {
				files := reflectedFiles(t, s.ask(t, &reflectionv1.ServerReflectionRequest{
					MessageRequest: &reflectionv1.ServerReflectionRequest_FileByFilename{FileByFilename: fd.Path()},
				}))
				if len(files) != 1 {
					t.Fatalf("file_by_filename %s: %q, want the file alone", fd.Path(), fileNamesOf(files))
				}
				wantFile(t, files[0], fd, true)
			}

			// Extensions: go_features.proto extends FeatureSet, and is
			// compiled into every program that links protodesc.
			files = reflectedFiles(t, s.ask(t, &reflectionv1.ServerReflectionRequest{
				MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingExtension{
					FileContainingExtension: &reflectionv1.ExtensionRequest{ContainingType: "google.protobuf.FeatureSet", ExtensionNumber: 1002},
				},
			}))
			if got, want := fileNamesOf(files), []string{"google/protobuf/go_features.proto", "google/protobuf/descriptor.proto"}; !slices.Equal(got, want) {
				t.Errorf("file_containing_extension FeatureSet 1002: %q, want %q", got, want)
			}
			nums := s.ask(t, &reflectionv1.ServerReflectionRequest{
				MessageRequest: &reflectionv1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "grpc.testing.SimpleRequest"},
			}).GetAllExtensionNumbersResponse()
			if nums.GetBaseTypeName() != "grpc.testing.SimpleRequest" || len(nums.GetExtensionNumber()) != 0 {
				t.Errorf("all_extension_numbers_of_type grpc.testing.SimpleRequest: %v, want none", nums)
			}

			// Unknown names are NOT_FOUND answers, and the stream goes on.
			for _, req := range []*reflectionv1.ServerReflectionRequest{
				bySymbolReq("grpc.testing.Nope"),
				{MessageRequest: &reflectionv1.ServerReflectionRequest_FileByFilename{FileByFilename: "grpc/testing/nope.proto"}},
				{MessageRequest: &reflectionv1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "grpc.testing.Nope"}},
				{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingExtension{
					FileContainingExtension: &reflectionv1.ExtensionRequest{ContainingType: "grpc.testing.SimpleRequest", ExtensionNumber: 100},
				}},
			} {
				if e := s.ask(t, req).GetErrorResponse(); codes.Code(e.GetErrorCode()) != codes.NotFound {
					t.Errorf("%v: error response %v, want NotFound", req, e)
				}
			}
			if got := fileNamesOf(reflectedFiles(t, s.ask(t, bySymbolReq("grpc.testing.SimpleResponse")))); !slices.Equal(got, []string{"grpc/testing/messages.proto"}) {
				t.Errorf("after NOT_FOUND answers, file_containing_symbol grpc.testing.SimpleResponse: %q", got)
			}

			if err := s.CloseSend(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.recv(); err != io.EOF {
				t.Errorf("Recv after CloseSend: %v, want io.EOF", err)
			}
		})
	}
}

func bySymbolReq(name string) *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: name},
	}
}

// grpcurl runs grpcurl with args and returns its stdout, its stderr and
// its exit code.
func grpcurl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, grpcurlBin(t), args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("grpcurl %s timed out:\n%s%s", strings.Join(args, " "), out.String(), errOut.String())
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("grpcurl %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("grpcurl %s (exit %d):\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return out.String(), errOut.String(), code
}

// TestReflectionGrpcurl lists, describes and calls our TestService with
// grpcurl, which knows it only through reflection.
func TestReflectionGrpcurl(t *testing.T) {
	addr := startReflectionServer(t)

	t.Run("list", func(t *testing.T) {
		out, errOut, code := grpcurl(t, "-plaintext", addr, "list")
		if want := "grpc.reflection.v1.ServerReflection\ngrpc.reflection.v1alpha.ServerReflection\ngrpc.testing.TestService\n"; code != 0 || out != want {
			t.Errorf("grpcurl list: exit %d, stdout\n%s\nwant\n%s\nstderr: %s", code, out, want, errOut)
		}
		out, errOut, code = grpcurl(t, "-plaintext", addr, "list", "grpc.testing.TestService")
		var want []string
		methods := grpc_testing.File_grpc_testing_test_proto.Services().ByName("TestService").Methods()
		for i := range methods.Len() {
			want = append(want, string(methods.Get(i).FullName()))
		}
		slices.Sort(want)
		if got := strings.Fields(out); code != 0 || !slices.Equal(got, want) {
			t.Errorf("grpcurl list grpc.testing.TestService: exit %d, %q, want %q; stderr: %s", code, got, want, errOut)
		}
	})

	t.Run("describe", func(t *testing.T) {
		out, errOut, code := grpcurl(t, "-plaintext", addr, "describe", "grpc.testing.TestService")
		if code != 0 {
			t.Fatalf("grpcurl describe: exit %d: %s", code, errOut)
		}
		for _, want := range []string{
			"grpc.testing.TestService is a service:\n",
			"service TestService {",
			"rpc EmptyCall ( .grpc.testing.Empty ) returns ( .grpc.testing.Empty );",
			"rpc UnaryCall ( .grpc.testing.SimpleRequest ) returns ( .grpc.testing.SimpleResponse );",
			"rpc FullDuplexCall ( stream .grpc.testing.StreamingOutputCallRequest ) returns ( stream .grpc.testing.StreamingOutputCallResponse );",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("grpcurl describe grpc.testing.TestService lacks %q:\n%s", want, out)
			}
		}
		// The reflection service describes itself.
		out, errOut, code = grpcurl(t, "-plaintext", addr, "describe", "grpc.reflection.v1.ServerReflection")
		if code != 0 || !strings.Contains(out, "grpc.reflection.v1.ServerReflection is a service:\n") ||
			!strings.Contains(out, "rpc ServerReflectionInfo ( stream .grpc.reflection.v1.ServerReflectionRequest ) returns ( stream .grpc.reflection.v1.ServerReflectionResponse );") {
			t.Errorf("grpcurl describe grpc.reflection.v1.ServerReflection: exit %d\n%s%s", code, out, errOut)
		}
		out, errOut, code = grpcurl(t, "-plaintext", addr, "describe", "grpc.testing.SimpleRequest")
		if code != 0 || !strings.Contains(out, "grpc.testing.SimpleRequest is a message:\n") || !strings.Contains(out, "int32 response_size = 2;") {
			t.Errorf("grpcurl describe grpc.testing.SimpleRequest: exit %d\n%s%s", code, out, errOut)
		}
		// NOT_FOUND is how grpcurl tells a missing symbol from a failure.
		_, errOut, code = grpcurl(t, "-plaintext", addr, "describe", "grpc.testing.Nope")
		if code == 0 || !strings.Contains(errOut, `Symbol not found: grpc.testing.Nope`) {
			t.Errorf("grpcurl describe grpc.testing.Nope: exit %d, stderr %q; want a failure saying the symbol was not found", code, errOut)
		}
	})

	t.Run("call", func(t *testing.T) {
		out, errOut, code := grpcurl(t, "-plaintext", "-v", "-H", "x-grpc-test-echo-initial: from-grpcurl",
			"-d", `{"response_size": 5, "payload": {"body": "aGVsbG8="}}`, addr, "grpc.testing.TestService/UnaryCall")
		if code != 0 {
			t.Fatalf("grpcurl UnaryCall: exit %d: %s", code, errOut)
		}
		if !strings.Contains(out, "x-grpc-test-echo-initial: from-grpcurl") {
			t.Errorf("grpcurl -v output lacks the echoed header:\n%s", out)
		}
		// With -v the JSON response sits between "Response contents:" and
		// the trailers.
		_, body, ok := strings.Cut(out, "Response contents:\n")
		body, _, _ = strings.Cut(body, "\nResponse trailers received:")
		var resp struct {
			Payload struct {
				Body []byte `json:"body"`
			} `json:"payload"`
		}
		if err := json.Unmarshal([]byte(body), &resp); !ok || err != nil || len(resp.Payload.Body) != 5 {
			t.Errorf("grpcurl UnaryCall answered %q (%v), want a payload of 5 bytes", body, err)
		}

		// A status from the server comes back as grpcurl's error, exit
		// code 64 plus the gRPC code.
		_, errOut, code = grpcurl(t, "-plaintext", "-d", `{"response_status": {"code": 3, "message": "no good"}}`, addr, "grpc.testing.TestService/UnaryCall")
		if code != 64+int(codes.InvalidArgument) || !strings.Contains(errOut, "Code: InvalidArgument") || !strings.Contains(errOut, "Message: no good") {
			t.Errorf("grpcurl UnaryCall with response_status: exit %d, stderr %q", code, errOut)
		}
	})
}
