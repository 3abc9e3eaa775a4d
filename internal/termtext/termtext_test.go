package termtext

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, accents é, Cyrillic Песчаный, Arabic عبد": "plain text, accents é, Cyrillic Песчаный, Arabic عبد",
		"tab\tand\nnewline":                   "tab\tand\nnewline",
		"\x1b[31mRED\x1b[0m":                  `\u001b[31mRED\u001b[0m`,
		"\x1b]0;pwned\x07title":               `\u001b]0;pwned\u0007title`,
		"carriage\rreturn":                    `carriage\u000dreturn`,
		"csi\u009b2J":                         `csi\u009b2J`,
		"del\x7f":                             `del\u007f`,
		"bidi \u202eevil\u202c and \u2067iso": `bidi \u202eevil\u202c and \u2067iso`,
		"nul\x00":                             `nul\u0000`,
		"bad \xff byte":                       `bad \xff byte`,
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriterSplitRune: a character split across writes is printed whole.
func TestWriterSplitRune(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	s := []byte("Песчаный \x1b[1m")
	for i := range s {
		if _, err := w.Write(s[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), `Песчаный \u001b[1m`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestJSONStaysValid: JSON that passes through the Writer is still JSON,
// with the same strings.
func TestJSONStaysValid(t *testing.T) {
	in := map[string]string{"name": "csi\u009b2J \u202eevil \x1b[31m"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write(b)
	w.Flush()
	if bytes.ContainsAny(out.Bytes(), "\x1b\u009b\u202e") {
		t.Errorf("unsafe characters left: %q", out.String())
	}
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["name"] != in["name"] {
		t.Errorf("JSON through the writer = %q (%v), want the same strings", out.String(), err)
	}
}
