package csvsafe

import (
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	for _, row := range [][]string{
		{"name", "value"},
		{`=HYPERLINK("http://x")`, "+1"},
		{"-2", "@SUM(A1)"},
		{"\tTab", "\rCR"},
		{"plain, with comma", ""},
	} {
		if err := w.Write(row...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "name,value\n" +
		`"'=HYPERLINK(""http://x"")",'+1` + "\n" +
		"'-2,'@SUM(A1)\n" +
		"'\tTab,\"'\rCR\"\n" +
		"\"plain, with comma\",\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}
