package status

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
)

// rpcStatusDesc is google.rpc.Status built at test time from its published
// definition and kept out of the global registry, so the hand-written
// encoder can be checked against protobuf's own marshalling.
func rpcStatusDesc(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("google/rpc/status.proto"),
		Package:    proto.String("google.rpc"),
		Dependency: []string{"google/protobuf/any.proto"},
		Syntax:     proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Status"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("code"), Number: proto.Int32(1), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), JsonName: proto.String("code")},
				{Name: proto.String("message"), Number: proto.Int32(2), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), JsonName: proto.String("message")},
				{Name: proto.String("details"), Number: proto.Int32(3), Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".google.protobuf.Any"), JsonName: proto.String("details")},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}

func referenceMarshal(t testing.TB, md protoreflect.MessageDescriptor, s *Status) []byte {
	m := dynamicpb.NewMessage(md)
	if s.Code() != 0 {
		m.Set(md.Fields().ByNumber(1), protoreflect.ValueOfInt32(int32(s.Code())))
	}
	if s.Message() != "" {
		m.Set(md.Fields().ByNumber(2), protoreflect.ValueOfString(s.Message()))
	}
	if len(s.AnyDetails()) > 0 {
		list := m.Mutable(md.Fields().ByNumber(3)).List()
		for _, a := range s.AnyDetails() {
			list.Append(protoreflect.ValueOfMessage(proto.Clone(a).ProtoReflect()))
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testStatuses(t testing.TB) []*Status {
	withDetails, err := New(codes.FailedPrecondition, "precondition ✗").WithDetails(wrapperspb.String("a"), wrapperspb.Int64(-7))
	if err != nil {
		t.Fatal(err)
	}
	return []*Status{
		nil,
		New(codes.OK, ""),
		New(codes.NotFound, ""),
		New(codes.Unknown, "plain"),
		New(codes.Code(1<<31), "beyond int32"),
		withDetails,
		New(codes.Internal, "empty any").WithAnyDetails(&anypb.Any{}),
	}
}

func TestMarshalMatchesProtobuf(t *testing.T) {
	md := rpcStatusDesc(t)
	for _, s := range testStatuses(t) {
		got, err := Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceMarshal(t, md, s)
		if !bytes.Equal(got, want) {
			t.Errorf("Marshal(%v)\n got %x\nwant %x", s, got, want)
		}
		back, err := Unmarshal(want)
		if err != nil {
			t.Fatalf("Unmarshal(%x): %v", want, err)
		}
		if back.Code() != s.Code() || back.Message() != s.Message() || len(back.AnyDetails()) != len(s.AnyDetails()) {
			t.Errorf("round trip of %v gave %v", s, back)
		}
		for i, a := range back.AnyDetails() {
			if !proto.Equal(a, s.AnyDetails()[i]) {
				t.Errorf("detail %d: got %v want %v", i, a, s.AnyDetails()[i])
			}
		}
	}
}

func TestUnmarshalReadsProtobuf(t *testing.T) {
	// Protobuf's decoder accepts unknown fields and repeated scalars with
	// last-one-wins; the hand-written decoder must agree.
	md := rpcStatusDesc(t)
	in := protowireConcat(
		[]byte{0x08, 0x05},             // code = 5
		[]byte{0x20, 0x01},             // unknown field 4, varint
		[]byte{0x08, 0x07},             // code = 7 (last wins)
		[]byte{0x12, 0x01, 'x'},        // message = "x"
		[]byte{0x1a, 0x02, 0x18, 0x01}, // details[0] with an unknown field
	)
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(in, m); err != nil {
		t.Fatal(err)
	}
	s, err := Unmarshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if int32(s.Code()) != int32(m.Get(md.Fields().ByNumber(1)).Int()) || s.Message() != "x" || len(s.AnyDetails()) != 1 {
		t.Fatalf("Unmarshal = %v details %v", s, s.AnyDetails())
	}
	for _, bad := range [][]byte{{0x08}, {0x12, 0x05, 'x'}, {0x1a, 0x02, 0x0a, 0x05}, {0xff}} {
		if _, err := Unmarshal(bad); err == nil {
			t.Errorf("Unmarshal(%x) accepted malformed input", bad)
		}
	}
}

func protowireConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestAppendBinaryAllocs(t *testing.T) {
	s := New(codes.Unavailable, "try later")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf, _ = s.AppendBinary(buf[:0]) }); n != 0 {
		t.Fatalf("AppendBinary allocates %v times into a large enough buffer", n)
	}
}

func TestCodeAllocs(t *testing.T) {
	err := Error(codes.NotFound, "x")
	if n := testing.AllocsPerRun(100, func() { _ = Code(err) }); n != 0 {
		t.Fatalf("Code allocates %v times", n)
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range testStatuses(f) {
		b, _ := Marshal(s)
		f.Add(b)
	}
	md := rpcStatusDesc(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Unmarshal(data)
		ref := dynamicpb.NewMessage(md)
		refErr := proto.Unmarshal(data, ref)
		if err != nil {
			return
		}
		if refErr != nil {
			// The Any values are opaque to this decoder, so only a
			// malformed outer message must be rejected by both.
			return
		}
		if int32(s.Code()) != int32(ref.Get(md.Fields().ByNumber(1)).Int()) || s.Message() != ref.Get(md.Fields().ByNumber(2)).String() {
			t.Fatalf("Unmarshal(%x) = %v, protobuf says code %v message %q", data, s, ref.Get(md.Fields().ByNumber(1)), ref.Get(md.Fields().ByNumber(2)))
		}
		again, err := Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Unmarshal(again)
		if err != nil || s2.Code() != s.Code() || s2.Message() != s.Message() || len(s2.AnyDetails()) != len(s.AnyDetails()) {
			t.Fatalf("re-encoding %v does not round-trip: %v, %v", s, s2, err)
		}
	})
}
