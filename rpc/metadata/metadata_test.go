package metadata

import (
	"bytes"
	"context"
	"reflect"
	"sort"
	"testing"
)

func TestNewPairs(t *testing.T) {
	md := New(map[string]string{"Key1": "v1", "key2": "v2"})
	if want := (MD{"key1": {"v1"}, "key2": {"v2"}}); !reflect.DeepEqual(md, want) {
		t.Fatalf("New = %v, want %v", md, want)
	}
	md = Pairs("A", "1", "b", "2", "a", "3")
	if want := (MD{"a": {"1", "3"}, "b": {"2"}}); !reflect.DeepEqual(md, want) {
		t.Fatalf("Pairs = %v, want %v", md, want)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Pairs with odd arguments did not panic")
		}
	}()
	Pairs("a")
}

func TestMDMethods(t *testing.T) {
	md := Pairs("k", "v")
	md.Append("K", "w")
	if got := md.Get("K"); !reflect.DeepEqual(got, []string{"v", "w"}) {
		t.Fatalf("Get after Append = %v", got)
	}
	md.Append("k")
	if got := md.Get("k"); len(got) != 2 {
		t.Fatalf("Append with no values changed md: %v", got)
	}
	md.Set("K", "x")
	if got := md.Get("k"); !reflect.DeepEqual(got, []string{"x"}) {
		t.Fatalf("Get after Set = %v", got)
	}
	md.Set("k")
	if md.Len() != 1 {
		t.Fatalf("Set with no values changed md: %v", md)
	}
	c := md.Copy()
	c["k"][0] = "changed"
	if md["k"][0] != "x" {
		t.Fatal("Copy shares value slices with the original")
	}
	md.Delete("K")
	if md.Len() != 0 {
		t.Fatalf("Delete left %v", md)
	}
	j := Join(Pairs("a", "1"), Pairs("a", "2", "b", "3"))
	if want := (MD{"a": {"1", "2"}, "b": {"3"}}); !reflect.DeepEqual(j, want) {
		t.Fatalf("Join = %v, want %v", j, want)
	}
}

func TestIncomingContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := FromIncomingContext(ctx); ok {
		t.Fatal("FromIncomingContext ok on an empty context")
	}
	if v := ValueFromIncomingContext(ctx, "a"); v != nil {
		t.Fatalf("ValueFromIncomingContext on an empty context = %v", v)
	}
	ctx = NewIncomingContext(ctx, MD{"Mixed": {"1"}, "lower": {"2"}})
	md, ok := FromIncomingContext(ctx)
	if !ok || !reflect.DeepEqual(md, MD{"mixed": {"1"}, "lower": {"2"}}) {
		t.Fatalf("FromIncomingContext = %v, %v", md, ok)
	}
	md["lower"][0] = "changed"
	if v := ValueFromIncomingContext(ctx, "lower"); !reflect.DeepEqual(v, []string{"2"}) {
		t.Fatalf("FromIncomingContext result aliases the context's MD: %v", v)
	}
	if v := ValueFromIncomingContext(ctx, "MIXED"); !reflect.DeepEqual(v, []string{"1"}) {
		t.Fatalf("ValueFromIncomingContext case-insensitive = %v", v)
	}
	if v := ValueFromIncomingContext(ctx, "absent"); v != nil {
		t.Fatalf("ValueFromIncomingContext absent = %v", v)
	}
}

func TestOutgoingContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := FromOutgoingContext(ctx); ok {
		t.Fatal("FromOutgoingContext ok on an empty context")
	}
	ctx = AppendToOutgoingContext(ctx, "A", "0")
	ctx = NewOutgoingContext(ctx, Pairs("a", "1"))
	ctx1 := AppendToOutgoingContext(ctx, "A", "2", "b", "3")
	ctx2 := AppendToOutgoingContext(ctx, "c", "4")
	md, ok := FromOutgoingContext(ctx1)
	if want := (MD{"a": {"1", "2"}, "b": {"3"}}); !ok || !reflect.DeepEqual(md, want) {
		t.Fatalf("FromOutgoingContext(ctx1) = %v, want %v", md, want)
	}
	md, _ = FromOutgoingContext(ctx2)
	if want := (MD{"a": {"1"}, "c": {"4"}}); !reflect.DeepEqual(md, want) {
		t.Fatalf("FromOutgoingContext(ctx2) = %v, want %v (siblings must not share appends)", md, want)
	}
	if v := ValueFromOutgoingContext(ctx1, "A"); !reflect.DeepEqual(v, []string{"1", "2"}) {
		t.Fatalf("ValueFromOutgoingContext = %v", v)
	}
	var got []string
	if !RangeOutgoing(ctx1, func(k, v string) { got = append(got, k+"="+v) }) {
		t.Fatal("RangeOutgoing reported no metadata")
	}
	sort.Strings(got)
	if want := []string{"a=1", "a=2", "b=3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("RangeOutgoing saw %v, want %v", got, want)
	}
	if RangeOutgoing(context.Background(), func(string, string) { t.Fatal("called") }) {
		t.Fatal("RangeOutgoing reported metadata on an empty context")
	}
}

func TestValidKeyValue(t *testing.T) {
	for _, k := range []string{"a", "x-trace-id", "k_1.v", "grpc-status", "data-bin"} {
		if !IsValidKey(k) {
			t.Errorf("IsValidKey(%q) = false", k)
		}
	}
	for _, k := range []string{"", "Upper", "sp ace", "colon:", "ü"} {
		if IsValidKey(k) {
			t.Errorf("IsValidKey(%q) = true", k)
		}
	}
	if !IsValidValue("hello world ~") || IsValidValue("tab\t") || IsValidValue("nl\n") || IsValidValue("é") {
		t.Error("IsValidValue misclassifies")
	}
	if !IsBinaryKey("trace-bin") || IsBinaryKey("trace") {
		t.Error("IsBinaryKey misclassifies")
	}
}

func TestBinHeader(t *testing.T) {
	for _, v := range [][]byte{nil, {0}, {0, 1}, {0, 1, 2}, {0xff, 0xfe, 0xfd, 0xfc}} {
		enc := EncodeBinHeader(v)
		if len(enc) > 0 && enc[len(enc)-1] == '=' {
			t.Errorf("EncodeBinHeader(%x) = %q is padded", v, enc)
		}
		dec, err := DecodeBinHeader(enc)
		if err != nil || !bytes.Equal(dec, v) {
			t.Errorf("DecodeBinHeader(%q) = %x, %v; want %x", enc, dec, err, v)
		}
		if got := AppendBinHeader([]byte("x"), v); string(got) != "x"+enc {
			t.Errorf("AppendBinHeader = %q", got)
		}
	}
	// Padded input, as some peers send, must decode too.
	for enc, want := range map[string]string{"AA==": "\x00", "AAE=": "\x00\x01", "AAEC": "\x00\x01\x02"} {
		dec, err := DecodeBinHeader(enc)
		if err != nil || string(dec) != want {
			t.Errorf("DecodeBinHeader(%q) = %x, %v", enc, dec, err)
		}
		dec, err = AppendDecodeBinHeader(nil, []byte(enc))
		if err != nil || string(dec) != want {
			t.Errorf("AppendDecodeBinHeader(%q) = %x, %v", enc, dec, err)
		}
	}
	if _, err := DecodeBinHeader("!!!"); err == nil {
		t.Error("DecodeBinHeader accepted invalid base64")
	}
}
