package metadata

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// FuzzDecodeBinHeader checks the "-bin" value decoder: any input is
// decoded or refused without panicking, the allocating and appending forms
// agree, and what EncodeBinHeader writes, or a padded encoding of the same
// bytes, decodes back exactly (PROTOCOL-HTTP2.md: accept both).
func FuzzDecodeBinHeader(f *testing.F) {
	for _, v := range [][]byte{
		nil, {0}, {0, 1}, {0, 1, 2}, {0xff, 0xfe, 0xfd, 0xfc}, []byte("hello, world"),
		bytes.Repeat([]byte{0xa5}, 100),
	} {
		f.Add(EncodeBinHeader(v))
		f.Add(base64.StdEncoding.EncodeToString(v))
	}
	for _, v := range []string{"=", "==", "A", "AA=", "AA==", "AAA=", "A===", "AB\r\nCD", "AB CD", "-_-_", "QUJD\n", "QQ=\x00"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := DecodeBinHeader(v)
		app, appErr := AppendDecodeBinHeader([]byte("prefix"), []byte(v))
		if (err == nil) != (appErr == nil) {
			t.Fatalf("DecodeBinHeader(%q) error %v, AppendDecodeBinHeader error %v", v, err, appErr)
		}
		if err == nil {
			if !bytes.Equal(app, append([]byte("prefix"), got...)) {
				t.Fatalf("DecodeBinHeader(%q) = %x, AppendDecodeBinHeader appended %x", v, got, app[len("prefix"):])
			}
			if again, err := DecodeBinHeader(EncodeBinHeader(got)); err != nil || !bytes.Equal(again, got) {
				t.Fatalf("re-encoding %x of %q: decodes to %x, %v", got, v, again, err)
			}
		}

		raw := []byte(v)
		enc := EncodeBinHeader(raw)
		if string(AppendBinHeader(nil, raw)) != enc {
			t.Fatalf("AppendBinHeader(%q) = %q, EncodeBinHeader says %q", raw, AppendBinHeader(nil, raw), enc)
		}
		for _, e := range []string{enc, base64.StdEncoding.EncodeToString(raw)} {
			if back, err := DecodeBinHeader(e); err != nil || !bytes.Equal(back, raw) {
				t.Fatalf("DecodeBinHeader(%q) = %x, %v; want %x", e, back, err, raw)
			}
		}
	})
}
