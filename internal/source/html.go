package source

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrHTMLPage: a server gave a web page (a login, maintenance or error
// page) where a list file belongs. The downloader and every parser report
// it, so errors.Is finds it wherever the page was caught.
var ErrHTMLPage = errors.New("got an HTML page, not a list file")

// LooksLikeHTML is the one test of "this is a web page, not a list": the
// document starts, after a BOM and white space, with a doctype or an html,
// head or body tag. XHTML starting with <?xml is left to the XML parsers,
// which see its root element.
func LooksLikeHTML(data []byte) bool {
	head := data[:min(len(data), 1024)]
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeftFunc(head, unicode.IsSpace)
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body"} {
		if len(head) >= len(p) && bytes.EqualFold(head[:len(p)], []byte(p)) {
			return true
		}
	}
	return false
}

// HTMLPageError is ErrHTMLPage with what the page says of itself (see
// HTMLSnippet) and the Content-Type it came with, either "" if unknown.
func HTMLPageError(contentType string, page []byte) error {
	var details []string
	if contentType != "" {
		details = append(details, "Content-Type "+contentType)
	}
	if text := HTMLSnippet(page); text != "" {
		details = append(details, strconv.Quote(text))
	}
	if len(details) == 0 {
		return ErrHTMLPage
	}
	return fmt.Errorf("%w (%s)", ErrHTMLPage, strings.Join(details, ", "))
}

// HTMLSnippet makes one short line of a page, for an error message: its
// <title> (see HTMLTitle), else its text without tags.
func HTMLSnippet(b []byte) string {
	if t := HTMLTitle(b); t != "" {
		return t
	}
	return oneLine(string(b))
}

// HTMLTitle returns a page's <title>, which usually says what went wrong
// on the server ("500 Internal Server Error"), as one line; "" if it has
// none.
func HTMLTitle(b []byte) string {
	s := string(b)
	lower := string(LowerASCII(b)) // offsets in it are offsets in s
	i := strings.Index(lower, "<title")
	if i < 0 {
		return ""
	}
	j := strings.Index(lower[i:], ">")
	if j < 0 {
		return ""
	}
	k := strings.Index(lower[i+j+1:], "</title")
	if k < 0 {
		return ""
	}
	return oneLine(s[i+j+1:][:k])
}

// oneLine drops tags, control characters and invalid UTF-8, folds white
// space and cuts at 160 characters.
func oneLine(s string) string {
	var sb strings.Builder
	inTag, space := false, false
	n := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case r == '<':
			inTag = true
			continue
		case r == '>' && inTag:
			inTag = false
			space = true
			continue
		case inTag:
			continue
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			space = true
			continue
		}
		sep := space && sb.Len() > 0
		space = false
		// At most 160 characters, then the ellipsis: no separator left
		// dangling before it.
		if n >= 160 || (sep && n+1 >= 160) {
			sb.WriteString("…")
			break
		}
		if sep {
			sb.WriteByte(' ')
			n++
		}
		sb.WriteRune(r)
		n++
	}
	return sb.String()
}
