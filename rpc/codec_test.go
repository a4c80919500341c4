package rpc

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestCodecRegistry(t *testing.T) {
	if GetCodec("proto").Name() != "proto" || GetCodec("json").Name() != "json" {
		t.Fatal("built-in codecs missing")
	}
	if GetCodec("xml") != nil {
		t.Fatal("GetCodec of an unknown name must be nil")
	}
	RegisterCodec(upperCodec{})
	t.Cleanup(func() { delete(codecs, "upper") })
	if _, ok := GetCodec("upper").(upperCodec); !ok {
		t.Fatal("RegisterCodec did not store the codec under its lower-cased name")
	}
	for _, bad := range []Codec{nil, emptyNameCodec{}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterCodec(%#v) did not panic", bad)
				}
			}()
			RegisterCodec(bad)
		}()
	}
}

type upperCodec struct{ ProtoCodec }

func (upperCodec) Name() string { return "UPPER" }

type emptyNameCodec struct{ ProtoCodec }

func (emptyNameCodec) Name() string { return "" }

func TestProtoCodec(t *testing.T) {
	c := ProtoCodec{}
	in := wrapperspb.Bytes([]byte("payload"))
	prefix := []byte{0, 0, 0, 0, 0}
	out, err := c.MarshalAppend(prefix, in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := proto.Marshal(in)
	if !bytes.Equal(out[:5], prefix) || !bytes.Equal(out[5:], want) {
		t.Fatalf("MarshalAppend = %x, want prefix + %x", out, want)
	}
	got := wrapperspb.Bytes([]byte("stale"))
	if err := c.Unmarshal(out[5:], got); err != nil {
		t.Fatal(err)
	}
	// The caller reuses its buffer: decoded bytes must not alias it.
	clear(out)
	if string(got.GetValue()) != "payload" {
		t.Fatalf("Unmarshal = %q (aliasing the input buffer?)", got.GetValue())
	}
	if err := c.Unmarshal(nil, got); err != nil || len(got.GetValue()) != 0 {
		t.Fatalf("Unmarshal of empty input must reset the message: %v, %q", err, got.GetValue())
	}
	if _, err := c.MarshalAppend(nil, "not a message"); err == nil {
		t.Fatal("MarshalAppend accepted a non-message")
	}
	if err := c.Unmarshal(nil, 42); err == nil {
		t.Fatal("Unmarshal accepted a non-message")
	}
}

func TestJSONCodec(t *testing.T) {
	c := JSONCodec{}
	out, err := c.MarshalAppend([]byte("x"), wrapperspb.String("hi"))
	if err != nil || string(out) != `x"hi"` {
		t.Fatalf("MarshalAppend = %q, %v", out, err)
	}
	var got wrapperspb.StringValue
	if err := c.Unmarshal([]byte(`"hello"`), &got); err != nil || got.GetValue() != "hello" {
		t.Fatalf("Unmarshal = %q, %v", got.GetValue(), err)
	}
	var s wrapperspb.StringValue
	if err := c.Unmarshal(nil, &s); err == nil {
		t.Fatal("an empty JSON payload must be rejected")
	}
	if _, err := c.MarshalAppend(nil, 1); err == nil {
		t.Fatal("MarshalAppend accepted a non-message")
	}
	if err := c.Unmarshal([]byte("{}"), "x"); err == nil {
		t.Fatal("Unmarshal accepted a non-message")
	}
}

func TestProtoCodecAllocs(t *testing.T) {
	c := ProtoCodec{}
	m := wrapperspb.String("hello")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf, _ = c.MarshalAppend(buf[:0], m) }); n != 0 {
		t.Fatalf("MarshalAppend allocates %v times into a large enough buffer", n)
	}
}
