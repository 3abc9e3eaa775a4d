package fetch

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/cybersanctions/tracker/internal/source"
)

// FuzzReadBody: whatever a server sends, readBody returns at most the cap
// and never more than the body holds: a plain body comes back byte for
// byte or is refused as too large; a gzip body comes back as it inflates,
// or with an error; nothing is ever cut short silently. The snippet quoted
// from an error page is made of the same bytes, and must not panic either.
func FuzzReadBody(f *testing.F) {
	sdn := []byte("36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a")
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	f.Add(sdn, false, uint16(1024))
	f.Add(sdn, false, uint16(10))
	f.Add(gz(sdn), true, uint16(1024))
	f.Add(gz(sdn), false, uint16(1024))
	f.Add(gz(sdn), true, uint16(20))
	f.Add(gz(gz(sdn)), true, uint16(1024))
	f.Add(slices.Concat(gz(sdn), gz(sdn)), false, uint16(1024)) // two gzip members
	f.Add(gz(sdn)[:20], false, uint16(1024))
	f.Add([]byte{0x1f}, false, uint16(1))
	f.Add([]byte{}, true, uint16(0))
	// Error pages whose lower-cased form is longer or shorter than they
	// are: invalid UTF-8, the Kelvin sign.
	f.Add([]byte("\x80\x80\x80\x80\x80\x80\x80\x80<title>x"), false, uint16(64))
	f.Add([]byte("\u212a\u212a\u212a<title>abc</title>"), false, uint16(64))
	f.Fuzz(func(t *testing.T, body []byte, contentEncoding bool, limit16 uint16) {
		if s := source.HTMLSnippet(body); utf8.RuneCountInString(s) > 161 {
			t.Fatalf("snippet of %d runes", utf8.RuneCountInString(s))
		}
		limit := int64(limit16)
		enc := ""
		if contentEncoding {
			enc = "gzip"
		}
		data, gunzipped, n, err := readBody(bytes.NewReader(body), enc, int64(len(body)), limit, "body")
		if int64(len(data)) > limit+1 || (err == nil && int64(len(data)) > limit) {
			t.Fatalf("%d bytes through a cap of %d (err %v)", len(data), limit, err)
		}
		if err == nil && n != int64(len(data)) {
			t.Fatalf("reported %d bytes, returned %d", n, len(data))
		}
		plain := enc == "" && !(len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b)
		if plain {
			switch {
			case int64(len(body)) > limit:
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("%d bytes over a cap of %d: err %v", len(body), limit, err)
				}
			case err != nil || gunzipped || !bytes.Equal(data, body):
				t.Fatalf("plain body of %d bytes: got %d bytes, gunzipped %v, err %v", len(body), len(data), gunzipped, err)
			}
			return
		}
		// What the body inflates to, read independently; a gzip file sent
		// with Content-Encoding gzip inflates twice, and only the outcome is
		// capped.
		want, werr := inflate(body, 4<<20)
		if len(body) == 0 {
			want, werr = nil, nil // no body at all: empty, for checkListContent to refuse
		}
		if errors.Is(werr, ErrTooLarge) {
			return // a bomb: the cap's own cases above hold
		}
		if werr == nil && enc == "gzip" && len(want) >= 2 && want[0] == 0x1f && want[1] == 0x8b {
			want, werr = inflate(want, limit)
		} else if werr == nil && int64(len(want)) > limit {
			werr = ErrTooLarge
		}
		if err == nil && (werr != nil || !bytes.Equal(data, want)) {
			t.Fatalf("accepted %d bytes; an independent gunzip gives %d bytes, err %v", len(data), len(want), werr)
		}
		if err != nil && werr == nil && int64(len(body)) <= limit {
			t.Fatalf("refused a gzip body of %d bytes that inflates to %d bytes within the cap of %d: %v", len(body), len(want), limit, err)
		}
	})
}

// inflate gunzips b (all its members), failing past limit bytes.
func inflate(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, ErrTooLarge
	}
	return out, nil
}
