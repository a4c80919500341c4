package reflection_test

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/gofeaturespb"
)

// shopDesc registers test.shop.v1.Shop, whose descriptors only the
// resolvers of shopResolvers know, so that list_services names it.
var shopDesc = rpc.ServiceDesc{
	ServiceName: "test.shop.v1.Shop",
	Methods: []rpc.MethodDesc{{
		MethodName: "Get",
		Handler: func(any, context.Context, func(any) error, rpc.UnaryServerInterceptor) (any, error) {
			return nil, status.Error(codes.Unimplemented, "not for calling")
		},
	}},
	Metadata: "shop/v1/shop.proto",
}

// serve starts a server with the echo service, the shop service and
// reflection registered with opts, and returns a connection to it. The
// test's cleanup closes the connection and stops the server.
func serve(t *testing.T, opts ...reflection.Option) *rpc.ClientConn {
	t.Helper()
	srv := rpc.NewServer()
	echov1.RegisterEchoServiceServer(srv, echov1.UnimplementedEchoServiceServer{})
	srv.RegisterService(&shopDesc, nil)
	reflection.Register(srv, opts...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	cc, err := rpc.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return cc
}

// stream is one ServerReflectionInfo call of either version, seen through
// v1 messages so that every test runs against both.
type stream interface {
	send(*reflectionv1.ServerReflectionRequest) error
	recv() (*reflectionv1.ServerReflectionResponse, error)
	closeSend() error
}

type v1Stream struct {
	rpc.BidiStreamingClient[reflectionv1.ServerReflectionRequest, reflectionv1.ServerReflectionResponse]
}

func (s v1Stream) send(req *reflectionv1.ServerReflectionRequest) error  { return s.Send(req) }
func (s v1Stream) recv() (*reflectionv1.ServerReflectionResponse, error) { return s.Recv() }
func (s v1Stream) closeSend() error                                      { return s.CloseSend() }

// v1alphaStream sends and receives v1alpha messages, converted from and to
// v1 by their encoding, which the two versions share
// (TestVersionsMatchOnTheWire); TestV1alphaMessages checks v1alpha
// answers without the conversion.
type v1alphaStream struct {
	rpc.BidiStreamingClient[reflectionv1alpha.ServerReflectionRequest, reflectionv1alpha.ServerReflectionResponse]
}

func (s v1alphaStream) send(req *reflectionv1.ServerReflectionRequest) error {
	alpha := new(reflectionv1alpha.ServerReflectionRequest)
	if err := convert(req, alpha); err != nil {
		return err
	}
	return s.Send(alpha)
}

func (s v1alphaStream) recv() (*reflectionv1.ServerReflectionResponse, error) {
	alpha, err := s.Recv()
	if err != nil {
		return nil, err
	}
	resp := new(reflectionv1.ServerReflectionResponse)
	return resp, convert(alpha, resp)
}

func (s v1alphaStream) closeSend() error { return s.CloseSend() }

func convert(from, to proto.Message) error {
	b, err := proto.Marshal(from)
	if err != nil {
		return err
	}
	return proto.Unmarshal(b, to)
}

var versions = []struct {
	name string
	open func(context.Context, *rpc.ClientConn) (stream, error)
}{
	{"v1", func(ctx context.Context, cc *rpc.ClientConn) (stream, error) {
		s, err := reflectionv1.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
		return v1Stream{s}, err
	}},
	{"v1alpha", func(ctx context.Context, cc *rpc.ClientConn) (stream, error) {
		s, err := reflectionv1alpha.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
		return v1alphaStream{s}, err
	}},
}

// bothVersions runs f once per version, each with a server of its own.
func bothVersions(t *testing.T, f func(t *testing.T, open func() stream), opts ...reflection.Option) {
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cc := serve(t, opts...)
			f(t, func() stream {
				t.Helper()
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				s, err := v.open(ctx, cc)
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

// ask sends req on s and returns the answer, which must echo the request.
func ask(t *testing.T, s stream, req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
	t.Helper()
	if err := s.send(req); err != nil {
		t.Fatalf("send %v: %v", req, err)
	}
	resp, err := s.recv()
	if err != nil {
		t.Fatalf("recv for %v: %v", req, err)
	}
	if !proto.Equal(resp.GetOriginalRequest(), req) {
		t.Errorf("original_request is %v, want %v", resp.GetOriginalRequest(), req)
	}
	if resp.GetValidHost() != req.GetHost() {
		t.Errorf("valid_host is %q, want %q", resp.GetValidHost(), req.GetHost())
	}
	return resp
}

// fileNames returns the names of the files in a file_descriptor_response,
// in order; it fails t on any other answer.
func fileNames(t *testing.T, resp *reflectionv1.ServerReflectionResponse) []string {
	t.Helper()
	var names []string
	for _, fdp := range files(t, resp) {
		names = append(names, fdp.GetName())
	}
	return names
}

func files(t *testing.T, resp *reflectionv1.ServerReflectionResponse) []*descriptorpb.FileDescriptorProto {
	t.Helper()
	if e := resp.GetErrorResponse(); e != nil {
		t.Fatalf("error response %v %q for %v", codes.Code(e.GetErrorCode()), e.GetErrorMessage(), resp.GetOriginalRequest())
	}
	r := resp.GetFileDescriptorResponse()
	if r == nil {
		t.Fatalf("answer to %v is %v, want a file_descriptor_response", resp.GetOriginalRequest(), resp)
	}
	var out []*descriptorpb.FileDescriptorProto
	for _, b := range r.GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			t.Fatalf("file_descriptor_proto does not decode: %v", err)
		}
		out = append(out, fdp)
	}
	return out
}

// wantError fails t unless resp is an error response with code and a
// message that contains text.
func wantError(t *testing.T, resp *reflectionv1.ServerReflectionResponse, code codes.Code, text string) {
	t.Helper()
	e := resp.GetErrorResponse()
	if e == nil {
		t.Fatalf("answer to %v is %v, want an error_response", resp.GetOriginalRequest(), resp)
	}
	if got := codes.Code(e.GetErrorCode()); got != code || !strings.Contains(e.GetErrorMessage(), text) {
		t.Errorf("answer to %v: error %v %q, want %v and a message containing %q", resp.GetOriginalRequest(), got, e.GetErrorMessage(), code, text)
	}
}

func bySymbol(name string) *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: name},
	}
}

func byFilename(name string) *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileByFilename{FileByFilename: name},
	}
}

func byExtension(msg string, num int32) *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingExtension{
			FileContainingExtension: &reflectionv1.ExtensionRequest{ContainingType: msg, ExtensionNumber: num},
		},
	}
}

func extensionNumbers(msg string) *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: msg},
	}
}

func listServices() *reflectionv1.ServerReflectionRequest {
	return &reflectionv1.ServerReflectionRequest{
		Host:           "reflection.test",
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{ListServices: "*"},
	}
}

// shopResolvers compiles testdata/shop/v1 into a descriptor and an
// extension resolver that know nothing else.
func shopResolvers(tb testing.TB) (*protoregistry.Files, *protoregistry.Types) {
	tb.Helper()
	comp := protocompile.Compiler{Resolver: &protocompile.SourceResolver{ImportPaths: []string{"testdata"}}}
	compiled, err := comp.Compile(context.Background(), "shop/v1/shop.proto", "shop/v1/ext.proto")
	if err != nil {
		tb.Fatal(err)
	}
	set := new(descriptorpb.FileDescriptorSet)
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := range fd.Imports().Len() {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, fd.(linker.Result).FileDescriptorProto())
	}
	for _, fd := range compiled {
		add(fd)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		tb.Fatal(err)
	}
	types := new(protoregistry.Types)
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		forEachExtension(fd, func(xd protoreflect.ExtensionDescriptor) {
			if err := types.RegisterExtension(dynamicpb.NewExtensionType(xd)); err != nil {
				tb.Fatal(err)
			}
		})
		return true
	})
	return files, types
}

// forEachExtension calls f with each extension fd declares, nested ones
// included.
func forEachExtension(fd protoreflect.FileDescriptor, f func(protoreflect.ExtensionDescriptor)) {
	var walk func(xds protoreflect.ExtensionDescriptors, mds protoreflect.MessageDescriptors)
	walk = func(xds protoreflect.ExtensionDescriptors, mds protoreflect.MessageDescriptors) {
		for i := range xds.Len() {
			f(xds.Get(i))
		}
		for i := range mds.Len() {
			walk(mds.Get(i).Extensions(), mds.Get(i).Messages())
		}
	}
	walk(fd.Extensions(), fd.Messages())
}

func shopOptions(t *testing.T) []reflection.Option {
	files, types := shopResolvers(t)
	return []reflection.Option{reflection.WithDescriptorResolver(files), reflection.WithExtensionResolver(types)}
}

func TestListServices(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		resp := ask(t, open(), listServices())
		var got []string
		for _, s := range resp.GetListServicesResponse().GetService() {
			got = append(got, s.GetName())
		}
		want := []string{
			"grpc.reflection.v1.ServerReflection",
			"grpc.reflection.v1alpha.ServerReflection",
			"shockwave.echo.v1.EchoService",
			"test.shop.v1.Shop",
		}
		if !slices.Equal(got, want) {
			t.Errorf("list_services answered %q, want %q", got, want)
		}
	})
}

// With no options the service answers from what generated code
// registered: the echo service, the reflection protos (in their packages'
// private registries), and google/protobuf/go_features.proto, which
// extends FeatureSet.
func TestGlobalRegistry(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		for _, tc := range []struct {
			req  *reflectionv1.ServerReflectionRequest
			want []string
		}{
			{bySymbol("shockwave.echo.v1.EchoService"), []string{"echo/v1/echo.proto"}},
			{bySymbol("shockwave.echo.v1.EchoService.BidiStream"), []string{"echo/v1/echo.proto"}},
			{bySymbol("grpc.reflection.v1alpha.ServerReflectionRequest.file_containing_extension"), []string{"grpc/reflection/v1alpha/reflection.proto"}},
			{byFilename("grpc/reflection/v1/reflection.proto"), []string{"grpc/reflection/v1/reflection.proto"}},
			{byExtension("google.protobuf.FeatureSet", 1002), []string{"google/protobuf/go_features.proto", "google/protobuf/descriptor.proto"}},
		} {
			if got := fileNames(t, ask(t, open(), tc.req)); !slices.Equal(got, tc.want) {
				t.Errorf("%v answered %q, want %q", tc.req, got, tc.want)
			}
		}

		// The file is the registry's descriptor as protodesc writes it.
		got := files(t, ask(t, open(), bySymbol("shockwave.echo.v1.EchoRequest")))[0]
		if want := protodesc.ToFileDescriptorProto(echov1.File_echo_v1_echo_proto); !proto.Equal(got, want) {
			t.Errorf("echo.proto came back as\n%v\nwant\n%v", got, want)
		}

		nums := ask(t, open(), extensionNumbers("google.protobuf.FeatureSet")).GetAllExtensionNumbersResponse()
		if nums.GetBaseTypeName() != "google.protobuf.FeatureSet" || !slices.Contains(nums.GetExtensionNumber(), int32(gofeaturespb.E_Go.TypeDescriptor().Number())) || !slices.IsSorted(nums.GetExtensionNumber()) {
			t.Errorf("all_extension_numbers_of_type google.protobuf.FeatureSet answered %v, want a sorted list with %d", nums, gofeaturespb.E_Go.TypeDescriptor().Number())
		}

		wantError(t, ask(t, open(), bySymbol("test.shop.v1.Shop")), codes.NotFound, `symbol "test.shop.v1.Shop" not found`)
	})
}

// Every kind of symbol finds its file, with the file's imports after it.
func TestFileContainingSymbol(t *testing.T) {
	const (
		shop   = "shop/v1/shop.proto"
		base   = "shop/v1/base.proto"
		common = "shop/v1/common.proto"
		ext    = "shop/v1/ext.proto"
	)
	bothVersions(t, func(t *testing.T, open func() stream) {
		for _, tc := range []struct {
			symbol string
			want   []string
		}{
			{"test.shop.v1.Shop", []string{shop, base, common}},            // service
			{"test.shop.v1.Shop.Get", []string{shop, base, common}},        // method
			{"test.shop.v1.GetRequest", []string{shop, base, common}},      // message
			{"test.shop.v1.GetRequest.name", []string{shop, base, common}}, // field
			{"test.shop.v1.Item", []string{base, common}},
			{"test.shop.v1.Item.kind", []string{base, common}},          // oneof
			{"test.shop.v1.Item.gift_note", []string{base, common}},     // field in a oneof
			{"test.shop.v1.Item.Variant", []string{base, common}},       // nested message
			{"test.shop.v1.Item.Variant.Size", []string{base, common}},  // nested enum
			{"test.shop.v1.Item.Variant.LARGE", []string{base, common}}, // nested enum value
			{"test.shop.v1.Currency", []string{common}},                 // enum
			{"test.shop.v1.EUR", []string{common}},                      // enum value
			{"test.shop.v1.color", []string{ext, base, common}},         // extension
			{"test.shop.v1.Promo.on_sale", []string{ext, base, common}}, // nested extension
		} {
			if got := fileNames(t, ask(t, open(), bySymbol(tc.symbol))); !slices.Equal(got, tc.want) {
				t.Errorf("file_containing_symbol %s answered %q, want %q", tc.symbol, got, tc.want)
			}
		}
		for _, name := range []string{"test.shop.v1.Nope", "test.shop.v1.Item.nope", "test.shop", "", "Item"} {
			wantError(t, ask(t, open(), bySymbol(name)), codes.NotFound, "not found")
		}
	}, shopOptions(t)...)
}

func TestFileByFilename(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		got := files(t, ask(t, open(), byFilename("shop/v1/ext.proto")))
		var names []string
		for _, f := range got {
			names = append(names, f.GetName())
		}
		if want := []string{"shop/v1/ext.proto", "shop/v1/base.proto", "shop/v1/common.proto"}; !slices.Equal(names, want) {
			t.Fatalf("file_by_filename shop/v1/ext.proto answered %q, want %q", names, want)
		}
		// The answer is enough for a client to rebuild the descriptors.
		fds, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: got})
		if err != nil {
			t.Fatalf("the files sent do not link: %v", err)
		}
		d, err := fds.FindDescriptorByName("test.shop.v1.Promo.on_sale")
		if err != nil {
			t.Fatal(err)
		}
		if xd, ok := d.(protoreflect.ExtensionDescriptor); !ok || xd.Number() != 160 || xd.ContainingMessage().FullName() != "test.shop.v1.Item" {
			t.Errorf("test.shop.v1.Promo.on_sale decoded as %v", d)
		}

		wantError(t, ask(t, open(), byFilename("shop/v1/nope.proto")), codes.NotFound, `file "shop/v1/nope.proto" not found`)
		// The resolver knows files by the names they were compiled under.
		wantError(t, ask(t, open(), byFilename("testdata/shop/v1/shop.proto")), codes.NotFound, "not found")
	}, shopOptions(t)...)
}

func TestExtensions(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		for _, tc := range []struct {
			num  int32
			want []string
		}{
			{100, []string{"shop/v1/ext.proto", "shop/v1/base.proto", "shop/v1/common.proto"}},
			{160, []string{"shop/v1/ext.proto", "shop/v1/base.proto", "shop/v1/common.proto"}},
		} {
			if got := fileNames(t, ask(t, open(), byExtension("test.shop.v1.Item", tc.num))); !slices.Equal(got, tc.want) {
				t.Errorf("file_containing_extension Item %d answered %q, want %q", tc.num, got, tc.want)
			}
		}
		wantError(t, ask(t, open(), byExtension("test.shop.v1.Item", 101)), codes.NotFound, `extension 101 of "test.shop.v1.Item" not found`)
		wantError(t, ask(t, open(), byExtension("test.shop.v1.Nope", 100)), codes.NotFound, "not found")

		for _, tc := range []struct {
			msg  string
			want []int32
		}{
			{"test.shop.v1.Item", []int32{100, 150, 160}},
			{"test.shop.v1.Money", nil}, // a message nobody extends
		} {
			resp := ask(t, open(), extensionNumbers(tc.msg))
			nums := resp.GetAllExtensionNumbersResponse()
			if nums == nil || nums.GetBaseTypeName() != tc.msg || !slices.Equal(nums.GetExtensionNumber(), tc.want) {
				t.Errorf("all_extension_numbers_of_type %s answered %v, want %v", tc.msg, resp, tc.want)
			}
		}
		for _, name := range []string{"test.shop.v1.Nope", "test.shop.v1.Item.name", "test.shop.v1.Currency"} {
			wantError(t, ask(t, open(), extensionNumbers(name)), codes.NotFound, `message type "`+name+`" not found`)
		}
	}, shopOptions(t)...)
}

// A stream sends each file once: later answers carry the file asked for
// and only the imports not sent before. Another stream starts afresh.
func TestImportsSentOncePerStream(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		s := open()
		for _, tc := range []struct {
			req  *reflectionv1.ServerReflectionRequest
			want []string
		}{
			{bySymbol("test.shop.v1.Shop"), []string{"shop/v1/shop.proto", "shop/v1/base.proto", "shop/v1/common.proto"}},
			{byFilename("shop/v1/ext.proto"), []string{"shop/v1/ext.proto"}},
			// The file asked for comes again, its import does not.
			{bySymbol("test.shop.v1.Item"), []string{"shop/v1/base.proto"}},
			{byExtension("test.shop.v1.Item", 150), []string{"shop/v1/ext.proto"}},
			{bySymbol("test.shop.v1.Shop"), []string{"shop/v1/shop.proto"}},
		} {
			if got := fileNames(t, ask(t, s, tc.req)); !slices.Equal(got, tc.want) {
				t.Errorf("%v answered %q, want %q", tc.req, got, tc.want)
			}
		}
		if got, want := fileNames(t, ask(t, open(), bySymbol("test.shop.v1.Item"))), []string{"shop/v1/base.proto", "shop/v1/common.proto"}; !slices.Equal(got, want) {
			t.Errorf("on a new stream, file_containing_symbol test.shop.v1.Item answered %q, want %q", got, want)
		}
	}, shopOptions(t)...)
}

// A failed request is answered on the stream, which goes on serving; a
// failure does not count its files as sent.
func TestErrorsKeepTheStream(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		s := open()
		wantError(t, ask(t, s, bySymbol("test.shop.v1.Nope")), codes.NotFound, `symbol "test.shop.v1.Nope" not found`)
		if got := fileNames(t, ask(t, s, bySymbol("test.shop.v1.Item"))); len(got) != 2 {
			t.Errorf("after a NOT_FOUND, file_containing_symbol answered %q, want base.proto and common.proto", got)
		}
		wantError(t, ask(t, s, byFilename("nope.proto")), codes.NotFound, `file "nope.proto" not found`)

		// A request with no kind set, and one of a kind from a newer
		// version of the protocol (an unknown field to this server).
		wantError(t, ask(t, s, &reflectionv1.ServerReflectionRequest{Host: "h"}), codes.InvalidArgument, "none of message_request's fields")
		newer := &reflectionv1.ServerReflectionRequest{}
		newer.ProtoReflect().SetUnknown(protowire.AppendString(protowire.AppendTag(nil, 99, protowire.BytesType), "future"))
		wantError(t, ask(t, s, newer), codes.Unimplemented, "kind this server does not know")

		if got := ask(t, s, listServices()).GetListServicesResponse().GetService(); len(got) != 4 {
			t.Errorf("list_services after errors answered %v", got)
		}
		if err := s.closeSend(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.recv(); err != io.EOF {
			t.Errorf("after CloseSend, Recv returned %v, want io.EOF", err)
		}
	}, shopOptions(t)...)
}

// failingResolver fails every lookup with a status of its own.
type failingResolver struct{}

func (failingResolver) FindFileByPath(string) (protoreflect.FileDescriptor, error) {
	return nil, status.Error(codes.Unavailable, "descriptor store is down")
}

func (failingResolver) FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error) {
	return nil, errors.New("descriptor store is down")
}

// A resolver's own status code reaches the client; its other errors are
// NOT_FOUND, as in grpc-go.
func TestResolverErrors(t *testing.T) {
	bothVersions(t, func(t *testing.T, open func() stream) {
		s := open()
		wantError(t, ask(t, s, byFilename("a.proto")), codes.Unavailable, `file "a.proto": descriptor store is down`)
		wantError(t, ask(t, s, bySymbol("a.B")), codes.NotFound, `symbol "a.B": descriptor store is down`)
	}, reflection.WithDescriptorResolver(failingResolver{}))
}

// An import the resolver does not have is left out of the answer rather
// than failing it; the client can tell what is missing from the file's
// dependency list.
func TestMissingImport(t *testing.T) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("partial.proto"),
		Package:    proto.String("test.partial"),
		Dependency: []string{"missing.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Holder"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name:     proto.String("gone"),
				Number:   proto.Int32(1),
				Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
				Type:     descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
				TypeName: proto.String(".test.missing.Gone"),
			}},
		}},
	}
	fd, err := protodesc.FileOptions{AllowUnresolvable: true}.New(fdp, new(protoregistry.Files))
	if err != nil {
		t.Fatal(err)
	}
	partial := new(protoregistry.Files)
	if err := partial.RegisterFile(fd); err != nil {
		t.Fatal(err)
	}
	bothVersions(t, func(t *testing.T, open func() stream) {
		s := open()
		got := files(t, ask(t, s, bySymbol("test.partial.Holder.gone")))
		if len(got) != 1 || got[0].GetName() != "partial.proto" || !slices.Equal(got[0].GetDependency(), []string{"missing.proto"}) {
			t.Errorf("file_containing_symbol test.partial.Holder.gone answered %v, want partial.proto alone", got)
		}
		wantError(t, ask(t, s, byFilename("missing.proto")), codes.NotFound, `file "missing.proto" not found`)
	}, reflection.WithDescriptorResolver(partial))
}

// TestV1alphaMessages checks v1alpha answers as v1alpha messages, with no
// help from v1.
func TestV1alphaMessages(t *testing.T) {
	cc := serve(t, shopOptions(t)...)
	s, err := reflectionv1alpha.NewServerReflectionClient(cc).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req   *reflectionv1alpha.ServerReflectionRequest
		check func(*reflectionv1alpha.ServerReflectionResponse) bool
	}{
		{&reflectionv1alpha.ServerReflectionRequest{Host: "h", MessageRequest: &reflectionv1alpha.ServerReflectionRequest_ListServices{}},
			func(r *reflectionv1alpha.ServerReflectionResponse) bool {
				return r.GetValidHost() == "h" && len(r.GetListServicesResponse().GetService()) == 4 &&
					r.GetListServicesResponse().GetService()[1].GetName() == "grpc.reflection.v1alpha.ServerReflection"
			}},
		{&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "test.shop.v1.Currency"}},
			func(r *reflectionv1alpha.ServerReflectionResponse) bool {
				fdp := new(descriptorpb.FileDescriptorProto)
				b := r.GetFileDescriptorResponse().GetFileDescriptorProto()
				return len(b) == 1 && proto.Unmarshal(b[0], fdp) == nil && fdp.GetName() == "shop/v1/common.proto"
			}},
		{&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_FileContainingExtension{
			FileContainingExtension: &reflectionv1alpha.ExtensionRequest{ContainingType: "test.shop.v1.Item", ExtensionNumber: 7}}},
			func(r *reflectionv1alpha.ServerReflectionResponse) bool {
				return r.GetErrorResponse().GetErrorCode() == int32(codes.NotFound) &&
					r.GetOriginalRequest().GetFileContainingExtension().GetExtensionNumber() == 7
			}},
		{&reflectionv1alpha.ServerReflectionRequest{MessageRequest: &reflectionv1alpha.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "test.shop.v1.Item"}},
			func(r *reflectionv1alpha.ServerReflectionResponse) bool {
				return slices.Equal(r.GetAllExtensionNumbersResponse().GetExtensionNumber(), []int32{100, 150, 160})
			}},
	} {
		if err := s.Send(tc.req); err != nil {
			t.Fatal(err)
		}
		resp, err := s.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if !tc.check(resp) {
			t.Errorf("v1alpha %v answered %v", tc.req, resp)
		}
	}
	s.CloseSend()
	if _, err := s.Recv(); err != io.EOF {
		t.Errorf("after CloseSend, Recv returned %v, want io.EOF", err)
	}
}

// TestVersionsMatchOnTheWire holds v1 and v1alpha to the same encoding,
// which the service relies on to serve v1alpha with v1 messages: the same
// messages with the same fields, by number, name, kind, cardinality,
// oneof and message type.
func TestVersionsMatchOnTheWire(t *testing.T) {
	v1, alpha := reflectionv1.File_grpc_reflection_v1_reflection_proto, reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto
	if v1.Messages().Len() != alpha.Messages().Len() {
		t.Fatalf("v1 has %d messages, v1alpha %d", v1.Messages().Len(), alpha.Messages().Len())
	}
	for i := range v1.Messages().Len() {
		m1 := v1.Messages().Get(i)
		ma := alpha.Messages().ByName(m1.Name())
		if ma == nil {
			t.Errorf("v1alpha has no %s", m1.Name())
			continue
		}
		if m1.Fields().Len() != ma.Fields().Len() {
			t.Errorf("%s: v1 has %d fields, v1alpha %d", m1.Name(), m1.Fields().Len(), ma.Fields().Len())
		}
		for j := range m1.Fields().Len() {
			f1 := m1.Fields().Get(j)
			fa := ma.Fields().ByNumber(f1.Number())
			if fa == nil || fa.Name() != f1.Name() || fa.Kind() != f1.Kind() || fa.Cardinality() != f1.Cardinality() ||
				fa.IsPacked() != f1.IsPacked() || (fa.ContainingOneof() == nil) != (f1.ContainingOneof() == nil) ||
				(f1.Message() != nil && (fa.Message() == nil || fa.Message().Name() != f1.Message().Name())) {
				t.Errorf("%s field %d: v1 %v, v1alpha %v", m1.Name(), f1.Number(), f1, fa)
			}
		}
	}
}

// Streams that end every way a stream can end leave no goroutine behind
// on a running server, and the server leaves none once stopped.
func TestNoGoroutineLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("streams", func(t *testing.T) {
		cc := serve(t, shopOptions(t)...)
		for _, v := range versions {
			// Closed by the client after an answer.
			s, err := v.open(context.Background(), cc)
			if err != nil {
				t.Fatal(err)
			}
			ask(t, s, bySymbol("test.shop.v1.Shop"))
			s.closeSend()
			if _, err := s.recv(); err != io.EOF {
				t.Fatalf("after CloseSend, Recv returned %v, want io.EOF", err)
			}

			// Cancelled between requests, and with a request unanswered.
			for _, pending := range []bool{false, true} {
				ctx, cancel := context.WithCancel(context.Background())
				s, err := v.open(ctx, cc)
				if err != nil {
					t.Fatal(err)
				}
				ask(t, s, listServices())
				if pending {
					s.send(byFilename("shop/v1/ext.proto"))
				}
				cancel()
				if _, err := s.recv(); status.Code(err) != codes.Canceled {
					t.Fatalf("Recv after cancel returned %v, want Canceled", err)
				}
			}
		}
		// The connection keeps idle goroutines for its next streams, so
		// counting goroutines would not tell; the stacks do.
		waitNoHandlers(t)

		// Left open: stopping the server ends them.
		for _, v := range versions {
			s, err := v.open(context.Background(), cc)
			if err != nil {
				t.Fatal(err)
			}
			ask(t, s, listServices())
		}
	})
	waitGoroutines(t, before)
}

// waitNoHandlers fails t if a reflection stream's handler is still
// running a few seconds after every stream ended.
func waitNoHandlers(t *testing.T) {
	t.Helper()
	const handler = "shockwave/rpc/reflection.(*server).serve("
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(5 * time.Second)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, handler) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("a reflection handler is still running after its stream ended:\n%s", stacks)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGoroutines fails t if the number of goroutines does not come down to
// n within a few seconds.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > n {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left behind:\n%s", got-n, buf[:runtime.Stack(buf, true)])
	}
}
