package reflection_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/internal/rpctest"
	echov1 "github.com/shockwave-rpc/shockwave/proto/echo/v1"
	healthv1 "github.com/shockwave-rpc/shockwave/proto/grpc/health/v1"
	reflectionv1 "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1"
	reflectionv1alpha "github.com/shockwave-rpc/shockwave/proto/grpc/reflection/v1alpha"
	"github.com/shockwave-rpc/shockwave/rpc"
	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/health"
	"github.com/shockwave-rpc/shockwave/rpc/reflection"
	"github.com/shockwave-rpc/shockwave/rpc/status"
	"github.com/shockwave-rpc/shockwave/transport"
	"github.com/shockwave-rpc/shockwave/transport/transporttest"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// maxFuzzRequests bounds the requests one input sends, to keep an
// execution short.
const maxFuzzRequests = 64

// splitRequests cuts a fuzz input into requests, each a 2-byte big-endian
// length and then that many bytes (fewer if the input ends first).
func splitRequests(data []byte) [][]byte {
	var reqs [][]byte
	for len(data) > 0 && len(reqs) < maxFuzzRequests {
		if len(data) < 2 {
			reqs = append(reqs, data)
			break
		}
		n := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
		reqs = append(reqs, data[2:2+n])
		data = data[2+n:]
	}
	return reqs
}

// joinRequests is the fuzz input splitRequests cuts into reqs.
func joinRequests(reqs ...[]byte) []byte {
	var b []byte
	for _, r := range reqs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		b = append(b, r...)
	}
	return b
}

func marshal(tb testing.TB, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fuzzServer is a server with reflection and what the checks know of it:
// the registries its reflection service answers from, in the order it asks
// them, and the services it lists.
type fuzzServer struct {
	srv      *rpc.Server
	files    []protodesc.Resolver
	exts     reflection.ExtensionResolver
	services []string
}

// newFuzzServer serves echo, shop and health, and reflection with opts.
func newFuzzServer(files []protodesc.Resolver, exts reflection.ExtensionResolver, opts ...reflection.Option) *fuzzServer {
	srv := rpc.NewServer(rpc.MaxRecvMsgSize(1 << 20))
	echov1.RegisterEchoServiceServer(srv, echov1.UnimplementedEchoServiceServer{})
	srv.RegisterService(&shopDesc, nil)
	healthv1.RegisterHealthServer(srv, health.NewServer())
	reflection.Register(srv, opts...)
	var names []string
	for name := range srv.GetServiceInfo() {
		names = append(names, name)
	}
	slices.Sort(names)
	return &fuzzServer{srv: srv, files: files, exts: exts, services: names}
}

// findFile and findSymbol look up what the service should find, asking
// the registries in turn as its resolver does: the first answer other than
// NotFound is the answer.
func (fs *fuzzServer) findFile(path string) (protoreflect.FileDescriptor, error) {
	for _, r := range fs.files {
		fd, err := r.FindFileByPath(path)
		if !errors.Is(err, protoregistry.NotFound) {
			return fd, err
		}
	}
	return nil, protoregistry.NotFound
}

func (fs *fuzzServer) findSymbol(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for _, r := range fs.files {
		d, err := r.FindDescriptorByName(name)
		if !errors.Is(err, protoregistry.NotFound) {
			return d, err
		}
	}
	return nil, protoregistry.NotFound
}

// reflectionSeeds are request sequences of every kind, as a client
// serializes them, with names the servers know and names they do not.
func reflectionSeeds(tb testing.TB) [][]byte {
	m := func(req *reflectionv1.ServerReflectionRequest) []byte { return marshal(tb, req) }
	withUnknown := func(req *reflectionv1.ServerReflectionRequest, field protowire.Number) []byte {
		b := m(req)
		b = protowire.AppendTag(b, field, protowire.BytesType)
		return protowire.AppendString(b, "future")
	}
	var seeds [][]byte
	one := func(reqs ...[]byte) { seeds = append(seeds, joinRequests(reqs...)) }

	list := m(listServices())
	one(list)
	one() // no request at all
	one(m(&reflectionv1.ServerReflectionRequest{}))
	one(m(&reflectionv1.ServerReflectionRequest{Host: "h"}))
	one(withUnknown(&reflectionv1.ServerReflectionRequest{}, 99))
	one(withUnknown(bySymbol("test.shop.v1.Item"), 1000))
	for _, name := range []string{
		"shop/v1/shop.proto", "shop/v1/ext.proto", "echo/v1/echo.proto",
		"grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto",
		"grpc/health/v1/health.proto", "google/protobuf/descriptor.proto",
		"google/protobuf/go_features.proto", "nope.proto", "", "testdata/shop/v1/shop.proto",
	} {
		one(m(byFilename(name)))
	}
	for _, name := range []string{
		"test.shop.v1.Shop", "test.shop.v1.Shop.Get", "test.shop.v1.Item.Variant.LARGE",
		"test.shop.v1.Item.kind", "test.shop.v1.Promo.on_sale", "test.shop.v1.EUR",
		"shockwave.echo.v1.EchoService", "shockwave.echo.v1.EchoRequest.message",
		"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
		"google.protobuf.FeatureSet", "pb.go",
		"", ".", "test.shop.v1.", ".test.shop.v1.Item", "test..shop", "test.shop.v1.Nope",
		"Item", "1abc", strings.Repeat("a.", 200) + "a", "日本.語",
	} {
		one(m(bySymbol(name)))
	}
	for _, x := range []struct {
		msg string
		num int32
	}{
		{"test.shop.v1.Item", 100}, {"test.shop.v1.Item", 160}, {"test.shop.v1.Item", 101},
		{"google.protobuf.FeatureSet", 1002}, {"google.protobuf.FeatureSet", 0},
		{"test.shop.v1.Nope", 100}, {"", 0}, {"test.shop.v1.Item", -1},
		{"test.shop.v1.Item", 1 << 29}, {"test.shop.v1.Item", 1<<31 - 1},
	} {
		one(m(byExtension(x.msg, x.num)))
	}
	for _, name := range []string{
		"test.shop.v1.Item", "test.shop.v1.Money", "test.shop.v1.Currency", "test.shop.v1.Item.name",
		"google.protobuf.FeatureSet", "google.protobuf.FileOptions", "test.shop.v1.Nope", "",
	} {
		one(m(extensionNumbers(name)))
	}

	// One stream asking for everything, imports sent once.
	one(m(bySymbol("test.shop.v1.Shop")), m(byFilename("shop/v1/ext.proto")), m(bySymbol("test.shop.v1.Item")),
		m(byExtension("test.shop.v1.Item", 150)), m(bySymbol("test.shop.v1.Shop")), list,
		m(extensionNumbers("test.shop.v1.Item")), m(byExtension("google.protobuf.FeatureSet", 1002)),
		m(byFilename("google/protobuf/descriptor.proto")), m(bySymbol("grpc.health.v1.HealthCheckRequest")),
		m(&reflectionv1.ServerReflectionRequest{}))
	// Requests that do not decode, after and before valid ones: a string
	// that is not UTF-8, a truncated field, a bad tag, a group end.
	badUTF8 := protowire.AppendString(protowire.AppendTag(nil, 4, protowire.BytesType), "\xff\xfe")
	truncated := m(bySymbol("test.shop.v1.Item"))
	truncated = truncated[:len(truncated)-3]
	one(list, badUTF8, list)
	one(m(bySymbol("test.shop.v1.Item")), truncated, list)
	one(list, []byte{0x00}, list)
	one([]byte{0x0c}, list)
	one(list, list, []byte{0x0a, 0x80})
	return seeds
}

// Fuzz input flags.
const (
	fuzzV1alpha = 1 << iota // call v1alpha rather than v1
	fuzzShop                // the server whose resolvers know testdata/shop alone
	fuzzCancel              // cancel the call after the first answer
)

// FuzzReflection sends a sequence of arbitrary messages as
// ServerReflectionRequests on one ServerReflectionInfo stream, v1 or
// v1alpha, to a server with echo, shop, health and reflection, its
// resolvers the default ones or testdata/shop's. It checks that:
//
//   - each request that decodes gets exactly one answer, in order, which
//     decodes as a ServerReflectionResponse of the version called, echoes
//     the request and its host, and is of the request's kind or an
//     error_response with a code from 1 to 16;
//   - what is answered is what the resolvers hold: the file asked for or
//     declaring the symbol or extension, NOT_FOUND when they have none, the
//     services registered, the extension numbers known, sorted;
//   - the files of a stream parse as FileDescriptorProtos, are the same
//     each time one is sent, bring all their imports with them or earlier
//     on the stream, and together build with protodesc into files that
//     declare what was asked for;
//   - a message that does not decode ends the call with INTERNAL, as rpc
//     answers any undecodable message, after the answers to those before;
//     otherwise the call ends OK when the client closes its side;
//   - a call cancelled after its first answer ends CANCELED (or as it would
//     have, if it ended first);
//   - the server answers another call afterwards, and once the connection
//     closes, no goroutine of the input's is left.
func FuzzReflection(f *testing.F) {
	for i, s := range reflectionSeeds(f) {
		// Each sequence goes to both servers, in alternating versions.
		f.Add(s, uint8(i%2))
		f.Add(s, uint8(fuzzShop|(i+1)%2))
	}
	f.Add(joinRequests(marshal(f, listServices()), marshal(f, bySymbol("test.shop.v1.Item"))), uint8(fuzzCancel|fuzzShop))
	f.Add([]byte{}, uint8(fuzzCancel))
	// A length prefix longer than what follows, and a lone byte.
	f.Add([]byte{0, 40, 0x3a, 1, '*'}, uint8(0))
	f.Add([]byte{0x3a}, uint8(0))

	defaultFiles := []protodesc.Resolver{protoregistry.GlobalFiles, reflectionv1.Files, reflectionv1alpha.Files, healthv1.Files}
	shopFiles, shopTypes := shopResolvers(f)
	servers := [2]*fuzzServer{
		newFuzzServer(defaultFiles, protoregistry.GlobalTypes),
		newFuzzServer([]protodesc.Resolver{shopFiles}, shopTypes,
			reflection.WithDescriptorResolver(shopFiles), reflection.WithExtensionResolver(shopTypes)),
	}
	builds := &buildCache{m: make(map[[sha256.Size]byte]buildResult)}

	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		defer watchdog(60 * time.Second)()
		fs := servers[0]
		if flags&fuzzShop != 0 {
			fs = servers[1]
		}
		method := reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName
		if flags&fuzzV1alpha != 0 {
			method = reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName
		}
		chunks := splitRequests(data)
		// What the server should make of them: the requests up to the
		// first that does not decode.
		var reqs []*reflectionv1.ServerReflectionRequest
		undecodable := false
		for _, c := range chunks {
			req := new(reflectionv1.ServerReflectionRequest)
			if err := proto.Unmarshal(c, req); err != nil {
				undecodable = true
				break
			}
			reqs = append(reqs, req)
		}

		before := runtime.NumGoroutine()
		conn := transporttest.NewConn(fs.srv)
		cc, err := rpc.Dial("mem", rpc.WithTransportDialer(func(context.Context, string) (transport.ClientConn, error) {
			return conn, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		callCtx, cancelCall := context.WithCancel(ctx)
		defer cancelCall()
		desc := &rpc.StreamDesc{StreamName: "ServerReflectionInfo", ServerStreams: true, ClientStreams: true}
		st, err := cc.NewStream(callCtx, desc, method, rpc.ForceCodec(rpctest.RawCodec{}))
		if err != nil {
			t.Fatalf("NewStream: %v", err)
		}
		cancelled := false
		if flags&fuzzCancel != 0 && len(reqs) == 0 {
			cancelCall()
			cancelled = true
		}
		var sendWG sync.WaitGroup
		sendWG.Go(func() {
			for _, c := range chunks {
				if err := st.SendMsg(&c); err != nil {
					return
				}
			}
			st.CloseSend()
		})

		ss := &streamState{fs: fs, files: make(map[string]*descriptorpb.FileDescriptorProto)}
		answered := 0
		var end error
		for {
			var raw []byte
			if end = st.RecvMsg(&raw); end != nil {
				break
			}
			if answered >= len(reqs) {
				t.Fatalf("answer %d to %d requests that decode (%d sent): %x", answered+1, len(reqs), len(chunks), raw)
			}
			ss.check(t, reqs[answered], raw, flags&fuzzV1alpha != 0)
			answered++
			if flags&fuzzCancel != 0 && !cancelled {
				cancelCall()
				cancelled = true
			}
		}
		sendWG.Wait()

		switch code := status.Code(end); {
		case cancelled && code == codes.Canceled:
		case undecodable:
			if code != codes.Internal || answered != len(reqs) {
				t.Fatalf("call with an undecodable request after %d that decode ended with %v after %d answers; want INTERNAL after all of them", len(reqs), end, answered)
			}
		default:
			if end != io.EOF || answered != len(reqs) {
				t.Fatalf("call of %d requests ended with %v after %d answers; want OK after all of them", len(reqs), end, answered)
			}
		}
		ss.checkFiles(t, builds)

		// The server serves the next call.
		probe, err := cc.NewStream(ctx, desc, method, rpc.ForceCodec(rpctest.RawCodec{}))
		if err != nil {
			t.Fatalf("NewStream after the fuzzed call: %v", err)
		}
		list := marshal(t, listServices())
		if err := probe.SendMsg(&list); err != nil {
			t.Fatalf("Send after the fuzzed call: %v", err)
		}
		probe.CloseSend()
		var raw []byte
		if err := probe.RecvMsg(&raw); err != nil {
			t.Fatalf("list_services after the fuzzed call: %v", err)
		}
		(&streamState{fs: fs}).check(t, listServices(), raw, flags&fuzzV1alpha != 0)
		if err := probe.RecvMsg(&raw); err != io.EOF {
			t.Fatalf("list_services after the fuzzed call ended with %v, want OK", err)
		}

		cc.Close()
		conn.Close() // waits for the handlers to return
		waitGoroutines(t, before)
	})
}

// streamState is what one stream's answers have sent so far.
type streamState struct {
	fs *fuzzServer
	// files are the files the stream has been sent, by name.
	files map[string]*descriptorpb.FileDescriptorProto
	// contains are the checks that need the stream's files built: that
	// a file declares a symbol or an extension.
	contains []containsCheck
}

type containsCheck struct {
	file   string
	symbol protoreflect.FullName
	// extendee and number, when extendee is set, ask for an extension
	// rather than a symbol.
	extendee protoreflect.FullName
	number   protoreflect.FieldNumber
}

// check checks raw, the answer to req.
func (ss *streamState) check(t *testing.T, req *reflectionv1.ServerReflectionRequest, raw []byte, v1alpha bool) {
	t.Helper()
	if v1alpha {
		// The v1alpha answer is a v1alpha message; the checks below read
		// it as v1, the same on the wire (TestVersionsMatchOnTheWire).
		if err := proto.Unmarshal(raw, new(reflectionv1alpha.ServerReflectionResponse)); err != nil {
			t.Fatalf("answer to %v does not decode as v1alpha: %v", req, err)
		}
	}
	resp := new(reflectionv1.ServerReflectionResponse)
	if err := proto.Unmarshal(raw, resp); err != nil {
		t.Fatalf("answer to %v does not decode: %v", req, err)
	}
	if !proto.Equal(resp.GetOriginalRequest(), req) {
		t.Fatalf("answer to %v has original_request %v", req, resp.GetOriginalRequest())
	}
	if resp.GetValidHost() != req.GetHost() {
		t.Fatalf("answer to %v has valid_host %q", req, resp.GetValidHost())
	}
	if len(resp.ProtoReflect().GetUnknown()) > 0 {
		t.Fatalf("answer to %v has unknown fields", req)
	}
	if e := resp.GetErrorResponse(); e != nil {
		if c := e.GetErrorCode(); c < 1 || c > 16 {
			t.Fatalf("answer to %v is an error with code %d", req, c)
		}
	}
	fs := ss.fs
	switch r := req.GetMessageRequest().(type) {
	case *reflectionv1.ServerReflectionRequest_FileByFilename:
		fd, err := fs.findFile(r.FileByFilename)
		ss.checkFiles1(t, req, resp, fd, err, containsCheck{})

	case *reflectionv1.ServerReflectionRequest_FileContainingSymbol:
		name := protoreflect.FullName(r.FileContainingSymbol)
		var fd protoreflect.FileDescriptor
		d, err := fs.findSymbol(name)
		if err == nil {
			fd = d.ParentFile()
		}
		ss.checkFiles1(t, req, resp, fd, err, containsCheck{symbol: name})

	case *reflectionv1.ServerReflectionRequest_FileContainingExtension:
		x := r.FileContainingExtension
		var fd protoreflect.FileDescriptor
		xt, err := fs.exts.FindExtensionByNumber(protoreflect.FullName(x.GetContainingType()), protoreflect.FieldNumber(x.GetExtensionNumber()))
		if err == nil {
			fd = xt.TypeDescriptor().ParentFile()
		}
		ss.checkFiles1(t, req, resp, fd, err, containsCheck{
			extendee: protoreflect.FullName(x.GetContainingType()),
			number:   protoreflect.FieldNumber(x.GetExtensionNumber()),
		})

	case *reflectionv1.ServerReflectionRequest_AllExtensionNumbersOfType:
		name := protoreflect.FullName(r.AllExtensionNumbersOfType)
		var want []int32
		fs.exts.RangeExtensionsByMessage(name, func(xt protoreflect.ExtensionType) bool {
			want = append(want, int32(xt.TypeDescriptor().Number()))
			return true
		})
		slices.Sort(want)
		if len(want) == 0 {
			d, err := fs.findSymbol(name)
			if _, isMsg := d.(protoreflect.MessageDescriptor); err != nil || !isMsg {
				wantNotFound(t, req, resp)
				return
			}
		}
		nums := resp.GetAllExtensionNumbersResponse()
		if nums == nil || nums.GetBaseTypeName() != r.AllExtensionNumbersOfType || !slices.Equal(nums.GetExtensionNumber(), want) {
			t.Fatalf("answer to %v is %v, want extension numbers %v", req, resp, want)
		}

	case *reflectionv1.ServerReflectionRequest_ListServices:
		var got []string
		for _, s := range resp.GetListServicesResponse().GetService() {
			got = append(got, s.GetName())
		}
		if resp.GetListServicesResponse() == nil || !slices.Equal(got, fs.services) {
			t.Fatalf("answer to %v is %v, want services %q", req, resp, fs.services)
		}

	default:
		want := codes.InvalidArgument
		if len(req.ProtoReflect().GetUnknown()) > 0 {
			want = codes.Unimplemented
		}
		if e := resp.GetErrorResponse(); e == nil || codes.Code(e.GetErrorCode()) != want {
			t.Fatalf("answer to %v, which sets no message_request, is %v; want an error %v", req, resp, want)
		}
	}
}

func wantNotFound(t *testing.T, req *reflectionv1.ServerReflectionRequest, resp *reflectionv1.ServerReflectionResponse) {
	t.Helper()
	if e := resp.GetErrorResponse(); e == nil || codes.Code(e.GetErrorCode()) != codes.NotFound {
		t.Fatalf("answer to %v is %v; want a NOT_FOUND error", req, resp)
	}
}

// checkFiles1 checks a file_descriptor_response: fd is the file the
// resolvers hold (err if none), cc what the file must declare.
func (ss *streamState) checkFiles1(t *testing.T, req *reflectionv1.ServerReflectionRequest, resp *reflectionv1.ServerReflectionResponse, fd protoreflect.FileDescriptor, err error, cc containsCheck) {
	t.Helper()
	if err == nil && fd.IsPlaceholder() {
		err = protoregistry.NotFound
	}
	if err != nil {
		if errors.Is(err, protoregistry.NotFound) {
			wantNotFound(t, req, resp)
		} else if resp.GetErrorResponse() == nil {
			t.Fatalf("answer to %v is %v; want an error (%v)", req, resp, err)
		}
		return
	}
	r := resp.GetFileDescriptorResponse()
	if r == nil || len(r.GetFileDescriptorProto()) == 0 {
		t.Fatalf("answer to %v is %v; want %s", req, resp, fd.Path())
	}
	inAnswer := map[string]bool{}
	for i, b := range r.GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			t.Fatalf("answer to %v: file %d does not decode: %v", req, i, err)
		}
		name := fdp.GetName()
		if i == 0 && name != fd.Path() {
			t.Fatalf("answer to %v starts with %q, want %q", req, name, fd.Path())
		}
		if inAnswer[name] {
			t.Fatalf("answer to %v has %q twice", req, name)
		}
		inAnswer[name] = true
		if prev, ok := ss.files[name]; ok {
			if i > 0 {
				t.Fatalf("answer to %v sends %q again as an import", req, name)
			}
			if !proto.Equal(prev, fdp) {
				t.Fatalf("answer to %v: %q differs from the copy sent before", req, name)
			}
		}
		ss.files[name] = fdp
	}
	if cc.symbol != "" || cc.extendee != "" {
		cc.file = fd.Path()
		ss.contains = append(ss.contains, cc)
	}
}

// checkFiles checks that the files the stream was sent are a complete set,
// build with protodesc, and declare what was asked for.
func (ss *streamState) checkFiles(t *testing.T, builds *buildCache) {
	t.Helper()
	if len(ss.files) == 0 {
		return
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range ss.files {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		for _, dep := range ss.files[name].GetDependency() {
			// The resolvers of these servers have every import.
			if ss.files[dep] == nil {
				t.Fatalf("%q was sent without its import %q", name, dep)
			}
		}
	}
	built, err := builds.build(names, ss.files)
	if err != nil {
		t.Fatalf("the files sent (%q) do not build: %v", names, err)
	}
	for _, c := range ss.contains {
		fd, err := built.FindFileByPath(c.file)
		if err != nil {
			t.Fatalf("%q: %v", c.file, err)
		}
		if c.symbol != "" {
			d, err := built.FindDescriptorByName(c.symbol)
			if err != nil || d.ParentFile().Path() != c.file {
				t.Fatalf("the file sent for symbol %q, %q, does not declare it (%v)", c.symbol, c.file, err)
			}
			continue
		}
		found := false
		forEachExtension(fd, func(xd protoreflect.ExtensionDescriptor) {
			found = found || (xd.Number() == c.number && xd.ContainingMessage().FullName() == c.extendee)
		})
		if !found {
			t.Fatalf("the file sent for extension %d of %q, %q, does not declare it", c.number, c.extendee, c.file)
		}
	}
}

// buildCache keeps what protodesc made of each set of files, by their
// content: building descriptor.proto and the rest on every input would
// slow the fuzzer down, and the sets a server sends are few.
type buildCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]buildResult
}

type buildResult struct {
	files *protoregistry.Files
	err   error
}

func (c *buildCache) build(names []string, files map[string]*descriptorpb.FileDescriptorProto) (*protoregistry.Files, error) {
	set := &descriptorpb.FileDescriptorSet{}
	for _, name := range names {
		set.File = append(set.File, files[name])
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[key]; ok {
		return r.files, r.err
	}
	built, err := protodesc.NewFiles(set)
	if len(c.m) >= 1000 {
		clear(c.m)
	}
	c.m[key] = buildResult{built, err}
	return built, err
}

// watchdog panics with every goroutine's stack if a fuzz input runs past
// d: a handler stuck forever would otherwise hang the fuzzer silently. The
// stacks also go to a file in the temporary directory, as the fuzzing
// coordinator drops what its workers print.
func watchdog(d time.Duration) func() bool {
	t := time.AfterFunc(d, func() {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		os.WriteFile(filepath.Join(os.TempDir(), "reflection-fuzz-hang-"+strconv.Itoa(os.Getpid())+".txt"), buf, 0o644)
		os.Stderr.Write(buf)
		panic("fuzz input still running after " + d.String())
	})
	return t.Stop
}
