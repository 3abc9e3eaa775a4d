package source

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// XMLReader is the part of a streaming XML parser that every publisher's
// needs alike: a decoder over the whole file, errors that name the file and
// the line, column and offset, and the checks before and after the root
// element. A parser embeds it and reads the root's children itself, one at
// a time, so memory holds the entities and never a document tree. Callers
// use Token (not RawToken), which checks that every end tag matches its
// start: that is what catches a file cut short or spliced.
type XMLReader struct {
	Dec  *xml.Decoder
	File string // base name, for ParseError
}

// NewXMLReader reads data, the whole file, as the file named file.
func NewXMLReader(file string, data []byte) XMLReader {
	return XMLReader{Dec: xml.NewDecoder(bytes.NewReader(data)), File: file}
}

// Pos is where the decoder stands, as ParseError.Pos.
func (r *XMLReader) Pos() string {
	line, col := r.Dec.InputPos()
	return fmt.Sprintf("line %d col %d (offset %d)", line, col, r.Dec.InputOffset())
}

// ErrAt locates err where the decoder stands.
func (r *XMLReader) ErrAt(err error) error {
	return &ParseError{File: r.File, Pos: r.Pos(), Err: err}
}

// SyntaxErr turns a decoder error into a ParseError; inside names the
// element being read ("<sdnEntry>"). A file that ends inside an element is
// called truncated, since that is what it almost always is: a download
// cut short.
func (r *XMLReader) SyntaxErr(err error, inside string) error {
	pos := r.Pos()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se) && se.Msg == "unexpected EOF", errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("file ends inside %s: truncated", inside)
	case errors.As(err, &se):
		err = fmt.Errorf("XML syntax error: %s", se.Msg)
	}
	return &ParseError{File: r.File, Pos: pos, Err: err}
}

// Skip passes over the rest of the element just started.
func (r *XMLReader) Skip(start xml.StartElement) error {
	if err := r.Dec.Skip(); err != nil {
		return r.SyntaxErr(err, "<"+start.Name.Local+">")
	}
	return nil
}

// Root reads up to the root element and returns it, for the caller to
// check its name. notA says what the file then is not ("not an EU FSF
// file") in the errors for a file with no root element or with text before
// it. directive, when not nil, sees each directive (<!DOCTYPE …>) before
// the root and may refuse the file there.
func (r *XMLReader) Root(notA string, directive func(xml.Directive) error) (xml.StartElement, error) {
	for {
		tok, err := r.Dec.Token()
		if err == io.EOF {
			return xml.StartElement{}, r.ErrAt(errors.New(notA + ": no root element"))
		}
		if err != nil {
			return xml.StartElement{}, r.SyntaxErr(err, "the XML header, before the root element")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, r.ErrAt(errors.New(notA + ": text before the root element"))
			}
		case xml.Directive:
			if directive != nil {
				if err := directive(t); err != nil {
					return xml.StartElement{}, err
				}
			}
		}
	}
}

// Trailer rejects anything but white space, comments, processing
// instructions and directives after the end of the root element, named
// root: a second document glued to the first means the download is not
// what it claims to be.
func (r *XMLReader) Trailer(root string) error {
	for {
		tok, err := r.Dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return r.SyntaxErr(err, "the end of the document")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return r.ErrAt(fmt.Errorf("element <%s> after the end of <%s>", t.Name.Local, root))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return r.ErrAt(fmt.Errorf("text after the end of <%s>", root))
			}
		}
	}
}
