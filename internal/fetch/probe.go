package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cybersanctions/tracker/internal/redact"
	"github.com/cybersanctions/tracker/internal/source"
	"github.com/cybersanctions/tracker/internal/termtext"
)

// ProbeHead is how many bytes of a body Probe reads by default: enough to
// see an XML root element or a CSV header line.
const ProbeHead = 8 << 10

// Probe is what one request for a list's URL showed, for `tracker doctor`.
// Every string in it that came from the server has had its control
// characters removed; URLs are redacted.
type Probe struct {
	URL        string // RedactURL of the configured URL
	FinalURL   string // after redirects, redacted
	OtherHost  bool   // a redirect ended on another host than the configured one
	StatusCode int    // 0 for a local file or when no response came
	Status     string
	// ContentType, LastModified and ETag are the response's headers.
	ContentType, LastModified, ETag string
	Size                            int64 // Content-Length, or a file's size; -1 when unknown
	Head                            []byte
	Duration                        time.Duration
	// Err is a failure before a status line came (refused, reset, timeout,
	// a redirect not followed) or while reading the head.
	Err      error
	TimedOut bool
	// Hint says what to check after a 403 (the User-Agent rule for OFAC).
	Hint string
}

// Probe requests rawURL once, as Get would (same client, User-Agent,
// Accept headers, per-attempt timeout and redirect policy) but without
// validators, so that the answer has a body, and without retries, so that
// an operator sees the first answer. It reads at most head bytes of the
// body (gzip undone), and never returns an error: a failure is in
// Probe.Err.
func (d *Downloader) Probe(ctx context.Context, rawURL string, head int) *Probe {
	if head <= 0 {
		head = ProbeHead
	}
	p := &Probe{URL: redact.URL(rawURL), FinalURL: redact.URL(rawURL), Size: -1}
	secrets := redact.ForURL(rawURL)
	start := time.Now()
	defer func() {
		p.Duration = time.Since(start)
		if p.Err != nil {
			if msg := secrets.String(p.Err.Error()); msg != p.Err.Error() {
				p.Err = errors.New(msg) // the cause would reveal the secret
			}
		}
	}()
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || strings.EqualFold(u.Scheme, "file") {
		path := rawURL
		if err == nil && strings.EqualFold(u.Scheme, "file") {
			path = u.Path
		}
		d.probeFile(ctx, p, path, head)
		return p
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		p.Err = fmt.Errorf("unsupported URL scheme %q", u.Scheme)
		return p
	}
	d.probeHTTP(ctx, p, u, head)
	return p
}

// probeHTTP makes Probe's one request and reads what the answer shows.
func (d *Downloader) probeHTTP(ctx context.Context, p *Probe, u *url.URL, head int) {
	timeout := d.timeout()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	timedOut := func() bool { return actx.Err() != nil && ctx.Err() == nil }
	// No validators: the answer must have a body to look at.
	req, err := d.newRequest(actx, u, Validators{})
	if err != nil {
		p.Err = err
		return
	}
	resp, err := d.client().Do(req)
	if err != nil {
		if timedOut() {
			p.TimedOut = true
			p.Err = timeoutError(timeout)
		} else {
			p.Err = unwrapURLError(err)
		}
		return
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	p.FinalURL = redact.URL(final.String())
	p.OtherHost = hostPort(final) != hostPort(u)
	p.StatusCode = resp.StatusCode
	p.Status = termtext.Clean(resp.Status)
	p.ContentType = termtext.Clean(resp.Header.Get("Content-Type"))
	p.LastModified = termtext.Clean(resp.Header.Get("Last-Modified"))
	p.ETag = termtext.Clean(resp.Header.Get("ETag"))
	p.Size = resp.ContentLength
	if resp.StatusCode == http.StatusForbidden {
		p.Hint = statusHint(http.StatusForbidden, final.String(), d.userAgent(), d.UserAgentRule)
	}
	p.Head, err = probeBody(resp, head)
	if err != nil && len(p.Head) == 0 {
		if timedOut() {
			p.TimedOut = true
			p.Err = fmt.Errorf("reading body: %w", timeoutError(timeout))
		} else {
			p.Err = err
		}
	}
	p.Head = gunzipHead(p.Head, head)
}

// probeBody reads at most head bytes of a body, gzip Content-Encoding
// undone.
func probeBody(resp *http.Response, head int) ([]byte, error) {
	var r io.Reader = io.LimitReader(resp.Body, int64(head))
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip: %w", gzipNoEOF(err))
		}
		r = io.LimitReader(zr, int64(head))
	}
	b, err := readHeadBytes(r, head)
	if err != nil {
		return b, fmt.Errorf("reading body: %v", err)
	}
	return b, nil
}

func (d *Downloader) probeFile(ctx context.Context, p *Probe, path string, head int) {
	p.Status = "local file"
	if err := ctx.Err(); err != nil {
		p.Err = err
		return
	}
	f, err := os.Open(path)
	if err != nil {
		p.Err = err
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		p.Size = st.Size()
		p.LastModified = st.ModTime().UTC().Format(http.TimeFormat)
	}
	b, err := readHeadBytes(f, head)
	if err != nil {
		p.Err = err
	}
	p.Head = gunzipHead(b, head)
}

// hostPort is u's server: host name and port, the scheme's default port
// made explicit, so that example.org and example.org:443 are one server.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")) + ":" + port
}

// gunzipHead undoes a body that is itself a gzip file, as readBody does,
// as far as the head allows.
func gunzipHead(b []byte, head int) []byte {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	out, _ := readHeadBytes(zr, head) // a head cut mid-stream still gives its start
	return out
}

// Format is what the first bytes of a body look like.
type Format struct {
	Kind   string // "xml", "html", "csv", "empty", "unknown"
	Detail string // the XML root element's local name, or the CSV's first line (as far as the head goes)
}

func (f Format) String() string {
	switch f.Kind {
	case "xml":
		return "XML <" + f.Detail + ">"
	case "csv":
		s := f.Detail
		if r := []rune(s); len(r) > 60 {
			s = string(r[:60]) + "…"
		}
		return "CSV " + fmt.Sprintf("%q", s)
	}
	return f.Kind
}

// SniffFormat tells XML (with its root element), an HTML page, CSV (with
// its first line) and nothing apart from the first bytes of a body.
func SniffFormat(head []byte) Format {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeftFunc(head, unicode.IsSpace)
	switch {
	case len(trimmed) == 0:
		return Format{Kind: "empty"}
	case source.LooksLikeHTML(trimmed):
		return Format{Kind: "html"}
	case trimmed[0] == '<':
		dec := xml.NewDecoder(bytes.NewReader(trimmed))
		dec.Strict = false
		for {
			tok, err := dec.RawToken()
			if err != nil {
				return Format{Kind: "unknown"}
			}
			if se, ok := tok.(xml.StartElement); ok {
				if strings.EqualFold(se.Name.Local, "html") {
					return Format{Kind: "html"}
				}
				return Format{Kind: "xml", Detail: termtext.Clean(se.Name.Local)}
			}
		}
	}
	line, _, _ := bytes.Cut(trimmed, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if !utf8.Valid(line) && len(line) < len(trimmed) {
		return Format{Kind: "unknown"}
	}
	if bytes.ContainsAny(line, ",;") || bytes.HasPrefix(line, []byte("Report Date")) {
		return Format{Kind: "csv", Detail: termtext.Clean(string(line))}
	}
	return Format{Kind: "unknown"}
}
