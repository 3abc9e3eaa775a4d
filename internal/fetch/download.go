package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cybersanctions/tracker"
	"github.com/cybersanctions/tracker/internal/backoff"
	"github.com/cybersanctions/tracker/internal/redact"
	"github.com/cybersanctions/tracker/internal/source"
)

// Defaults for a zero Downloader field.
const (
	DefaultMaxBytes     = 512 << 20
	DefaultTimeout      = 2 * time.Minute
	DefaultBackoff      = 2 * time.Second
	DefaultMaxRedirects = 5

	// maxBackoff caps both the exponential backoff and a server's
	// Retry-After: a list fetched hourly gains nothing from waiting longer
	// inside one run.
	maxBackoff = time.Minute
)

// Errors a download can be tested for with errors.Is.
var (
	// ErrTooLarge: the body, or a file, exceeds MaxBytes (after gzip
	// decompression, or on the wire).
	ErrTooLarge = errors.New("too large")
	// ErrHTMLPage: the server answered 200 with a web page (a login,
	// maintenance or error page) instead of the list.
	ErrHTMLPage = source.ErrHTMLPage
	// ErrEmpty: the body or file has no bytes.
	ErrEmpty = errors.New("empty")
)

// Downloader gets list files over HTTP(S) or from disk. Its zero value is
// ready to use. A Downloader is safe for concurrent use; do not change its
// fields once it is in use.
type Downloader struct {
	// Client is shared by every request. nil uses a package-wide client
	// with dial, TLS and idle timeouts and the environment's proxy. The
	// Downloader follows redirects through a copy of Client made once per
	// Client (same Transport, so the same connection pool) whose
	// CheckRedirect enforces MaxRedirects, then calls Client's own.
	Client *http.Client
	// UserAgent names the tracker to publishers; "" is tracker.UserAgent,
	// which passes OFAC's rule.
	UserAgent string
	// UserAgentRule, if set, is the publisher's rule on the User-Agent; a
	// 403 then says whether the User-Agent broke it.
	UserAgentRule *UserAgentRule
	// MaxBytes caps the body as stored, after gzip decompression; the bytes
	// on the wire are capped at the same figure. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds one attempt, body included. 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of extra attempts after a retryable failure
	// (5xx, 429, 408, a timeout, a connection error, a body cut short);
	// 0 or negative means none. The list registry gives each list its
	// count.
	Retries int
	// Backoff is the base of the exponential backoff with jitter between
	// attempts (backoff.Wait), capped at one minute. 0 means DefaultBackoff.
	Backoff time.Duration
	// MaxRedirects is how many redirects one attempt follows. 0 means
	// DefaultMaxRedirects; negative means none.
	MaxRedirects int
	// Sleep waits between attempts; nil waits on a timer and returns
	// ctx.Err() if ctx ends first. Tests record the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// MinWait is the shortest wait between two attempts, whatever the
	// backoff or a Retry-After says: the daemon's floor of one request
	// per URL per minute. 0: none.
	MinWait time.Duration
}

// Pause waits MinWait, or until ctx ends: what a caller owes a server
// before asking it for a URL again within one check (the unchanged files
// of a partly changed publication, the second download that confirms
// removals).
func (d *Downloader) Pause(ctx context.Context) error {
	if d.MinWait <= 0 {
		return nil
	}
	return d.sleep(ctx, d.MinWait)
}

// Validators are the HTTP cache validators kept per list between runs.
type Validators struct{ ETag, LastModified string }

// Download is one fetched file.
type Download struct {
	// File.Name is the base name of the final URL's path when it looks like
	// a file name (has an extension), else the Content-Disposition
	// filename, else the base of the configured URL's path when that looks
	// like one, else the final path's base. ".gz" is dropped from a body
	// that was a gzip file. Origin is RedactURL of the configured URL.
	File source.RawFile
	// NotModified: the server answered 304 to our validators (a 304 to a
	// request without them is an error); File.Data is
	// nil.
	NotModified bool
	// Validators come from this response (a 304 may carry none), to send on
	// the next run. Local files have none.
	Validators Validators
	// MaxAge is the response's Cache-Control max-age: the publisher asks
	// not to be asked again sooner. 0: none given.
	MaxAge time.Duration
}

// Get downloads rawURL: http(s)://, file:// or a plain path.
//
// A request is conditional on v. Gzip is handled in the Downloader, not the
// Transport, so that the decompressed size is capped while it streams: a
// response with Content-Encoding gzip is decoded, and a body that is itself
// a gzip file (magic bytes 1f 8b — no list format starts with them) is
// decompressed too, both within MaxBytes.
//
// Retryable failures are retried Retries times; a 200 with an HTML page or
// an empty body is not, as the publisher will not fix it within seconds.
// Errors read "download <redact.URL(rawURL)>: …" and never hold userinfo or
// secret query values.
func (d *Downloader) Get(ctx context.Context, rawURL string, v Validators) (*Download, error) {
	g := &getCall{d: d, raw: rawURL, redacted: redact.URL(rawURL), secrets: redact.ForURL(rawURL)}
	dl, err := g.run(ctx, v)
	if err != nil {
		return nil, &downloadError{url: g.redacted, err: err, secrets: g.secrets}
	}
	dl.File.Origin = g.redacted
	return dl, nil
}

// downloadError scrubs the URL's secrets from the whole message: a cause
// from below (a server's error page echoing the query, a library quoting
// the URL) may hold them even though nothing here puts them in.
type downloadError struct {
	url     string
	err     error
	secrets *redact.Scrubber
}

func (e *downloadError) Error() string {
	return e.secrets.String("download " + e.url + ": " + e.err.Error())
}

func (e *downloadError) Unwrap() error { return e.err }

// StatusError is a response that is neither 2xx nor 304.
type StatusError struct {
	StatusCode int
	Status     string // "404 Not Found"
	Snippet    string // the start of the body, one line, tags stripped
	// Hint says what to check, for the statuses where the cause is known
	// (a 403 from OFAC: its User-Agent rule).
	Hint string
	// RetryAfter is the server's Retry-After, uncapped (up to a day), for
	// callers that retry later than the Downloader does; 0: none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := e.Status
	if e.Snippet != "" {
		s = fmt.Sprintf("%s: %q", e.Status, e.Snippet)
	}
	if e.Hint != "" {
		s += " — " + e.Hint
	}
	return s
}

// statusHint is what an operator should check after a refusal.
func statusHint(code int, rawURL, userAgent string, rule *UserAgentRule) string {
	if code != http.StatusForbidden {
		return ""
	}
	if rule != nil {
		if !rule.Accepts(userAgent) {
			return fmt.Sprintf("User-Agent %q breaks the publisher's rule: %s", userAgent, rule.Text)
		}
		return "the User-Agent passes the publisher's rule, so it refused access for another reason (a block of this network?)"
	}
	return "the publisher refused access: check the URL, and whether it now requires a login or blocks this network or User-Agent"
}

// getCall is the state of one Get call.
type getCall struct {
	d        *Downloader
	raw      string
	redacted string
	secrets  *redact.Scrubber
}

func (g *getCall) run(ctx context.Context, v Validators) (*Download, error) {
	u, err := url.Parse(g.raw)
	if err != nil || u.Scheme == "" {
		if !strings.Contains(g.raw, "://") && g.raw != "" {
			return g.d.readFile(ctx, g.raw)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue quotes the whole URL
		}
		return nil, fmt.Errorf("invalid URL: %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("file URL with host %q: only local files can be read", u.Host)
		}
		p := u.Path
		if u.Opaque != "" { // file:relative/path
			p = u.Opaque
		}
		return g.d.readFile(ctx, p)
	case "http", "https":
		if u.Host == "" {
			return nil, errors.New("invalid URL: no host")
		}
		return g.fetch(ctx, u, v)
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q (want http, https or file)", u.Scheme)
	}
}

// retryHint says whether and when a failed attempt may be tried again.
type retryHint struct {
	ok    bool
	after time.Duration // a server's Retry-After; 0 = use the backoff
}

func (g *getCall) fetch(ctx context.Context, u *url.URL, v Validators) (*Download, error) {
	d := g.d
	attempts := 1 + d.retries()
	client := d.client()
	var last error
	var hint retryHint
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := hint.after
			if wait <= 0 {
				wait = d.backoff(i)
			}
			wait = max(wait, d.MinWait)
			if err := d.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%w (gave up after %s, last: %v)", preferCtxErr(ctx, err), attemptsWord(i, "attempt"), last)
			}
		}
		if err := ctx.Err(); err != nil {
			if last == nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w (gave up after %s, last: %v)", err, attemptsWord(i, "attempt"), last)
		}
		dl, h, err := g.attempt(ctx, client, u, v)
		if err == nil {
			return dl, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			// The caller gave up: say so, not whatever the aborted read
			// reported.
			return nil, fmt.Errorf("%w (during attempt %d)", cerr, i+1)
		}
		if !h.ok {
			if i > 0 {
				return nil, fmt.Errorf("attempt %d: %w", i+1, err)
			}
			return nil, err
		}
		last, hint = err, h
	}
	if attempts == 1 {
		return nil, last
	}
	return nil, fmt.Errorf("after %d attempts: %w", attempts, last)
}

func attemptsWord(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// preferCtxErr prefers ctx.Err() over what a Sleep returned, so that callers can
// test for context.Canceled whatever the Sleep wraps.
func preferCtxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	return err
}

type redirectLimitKey struct{}

// attempt makes one request. Its error is not wrapped with the URL.
func (g *getCall) attempt(ctx context.Context, client *http.Client, u *url.URL, v Validators) (*Download, retryHint, error) {
	d := g.d
	timeout := d.timeout()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := d.newRequest(actx, u, v)
	if err != nil {
		return nil, retryHint{}, err
	}

	resp, err := client.Do(req)
	if err != nil {
		h, err := g.transportError(ctx, actx, timeout, err)
		return nil, h, err
	}
	defer resp.Body.Close()

	got := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch code := resp.StatusCode; {
	case code == http.StatusNotModified:
		drainBody(resp.Body)
		if v == (Validators{}) {
			// Only a request with validators can be answered "not
			// modified". A cache or CDN that says so anyway would freeze
			// the list while every check looks healthy.
			return nil, retryHint{}, errors.New("304 Not Modified to a request without validators (If-None-Match, If-Modified-Since): a misbehaving cache; nothing stored")
		}
		return &Download{NotModified: true, Validators: got, MaxAge: maxAge(resp.Header), File: source.RawFile{Name: g.name(u, resp, false)}}, retryHint{}, nil
	case code >= 200 && code < 300:
	default:
		serr := &StatusError{StatusCode: code, Status: resp.Status, Snippet: bodySnippet(resp), Hint: statusHint(code, g.raw, d.userAgent(), d.UserAgentRule),
			RetryAfter: retryAfterUpTo(resp.Header.Get("Retry-After"), time.Now(), 24*time.Hour)}
		drainBody(resp.Body)
		if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 {
			return nil, retryHint{ok: true, after: min(serr.RetryAfter, maxBackoff)}, serr
		}
		return nil, retryHint{}, serr
	}

	if ct := resp.Header.Get("Content-Type"); isHTMLType(ct) {
		return nil, retryHint{}, source.HTMLPageError(ct, bodyHead(resp))
	}
	limit := d.maxBytes()
	if resp.ContentLength > limit {
		return nil, retryHint{}, fmt.Errorf("response body %w (Content-Length %d > limit %d bytes)", ErrTooLarge, resp.ContentLength, limit)
	}
	var enc string
	switch ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce {
	case "", "identity":
	case "gzip", "x-gzip":
		enc = "gzip"
	default:
		return nil, retryHint{}, fmt.Errorf("unsupported Content-Encoding %q", ce)
	}
	data, gunzipped, n, err := readBody(resp.Body, enc, resp.ContentLength, limit, "response body")
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return nil, retryHint{ok: true}, timeoutError(timeout)
		}
		r := retryHint{ok: retryableBodyError(err)}
		if !errors.Is(err, ErrTooLarge) {
			err = fmt.Errorf("reading body: %w (after %s)", err, readSoFar(n, resp.ContentLength, enc))
		}
		return nil, r, err
	}
	if err := checkListContent(data, "response body"); err != nil {
		return nil, retryHint{}, err
	}
	return &Download{
		File:       source.RawFile{Name: g.name(u, resp, gunzipped), Data: data},
		Validators: got,
		MaxAge:     maxAge(resp.Header),
	}, retryHint{}, nil
}

func readSoFar(n, contentLength int64, enc string) string {
	if contentLength >= 0 && enc == "" {
		return fmt.Sprintf("%d of %d bytes", n, contentLength)
	}
	return fmt.Sprintf("%d bytes", n)
}

// transportError classifies a client.Do failure.
func (g *getCall) transportError(ctx, actx context.Context, timeout time.Duration, err error) (retryHint, error) {
	if ctx.Err() != nil {
		return retryHint{}, ctx.Err()
	}
	if actx.Err() != nil {
		return retryHint{ok: true}, timeoutError(timeout)
	}
	cause := unwrapURLError(err)
	var rerr *redirectError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &rerr):
		return retryHint{}, rerr
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return retryHint{}, cause
	case errors.As(err, &certErr), errors.As(err, &uaErr), errors.As(err, &hostErr), errors.As(err, &invErr):
		return retryHint{}, cause
	}
	// Resets, refusals, EOF before the response, a Client.Timeout: the next
	// attempt may fare better.
	return retryHint{ok: true}, cause
}

// unwrapURLError drops *url.Error, whose message quotes the URL with its
// query; what is left names the cause only.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

type timeoutErr struct{ after time.Duration }

func (e *timeoutErr) Error() string {
	return fmt.Sprintf("attempt timed out after %v", e.after)
}

// Is lets callers treat a per-attempt timeout as a deadline.
func (e *timeoutErr) Is(target error) bool { return target == context.DeadlineExceeded }

func timeoutError(d time.Duration) error { return &timeoutErr{after: d} }

// retryableBodyError: a body cut short or a connection lost mid-body is
// worth another attempt; a body too large or a corrupt gzip stream will be
// the same next time.
func retryableBodyError(err error) bool {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, ErrTooLarge), errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &ce):
		return false
	}
	return true
}

// retryAfterUpTo parses Retry-After (delay-seconds or an HTTP-date),
// capped at limit; 0 when absent or unreadable.
func retryAfterUpTo(h string, now time.Time, limit time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0
		}
		if secs > int64(limit/time.Second) {
			return limit
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}

// maxAge reads Cache-Control's max-age (capped at a day, which no list
// schedule exceeds by default); 0 when absent, unreadable, or when
// no-cache or no-store say the publisher wants to be asked every time.
func maxAge(h http.Header) time.Duration {
	var age time.Duration
	for _, line := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(line, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(k) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				secs, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
				if err != nil || secs <= 0 {
					continue
				}
				age = time.Duration(min(secs, 24*3600)) * time.Second
			}
		}
	}
	return age
}

// readBody reads r within limit bytes on the wire and limit bytes decoded. It
// reports whether a gzip file (not a Content-Encoding) was decompressed and
// how many decoded bytes it read.
//
// Memory is bounded by what is kept, not by what a sender claims: a gzip
// body is first decompressed into nothing, only counted, and refused past
// the cap; only a body that fits is decompressed again into a buffer of
// its exact size. A gzip bomb under the cap thus costs its compressed size
// and a 32 KiB window, where growing a buffer while inflating cost twice
// the cap.
func readBody(r io.Reader, contentEncoding string, contentLength, limit int64, what string) ([]byte, bool, int64, error) {
	data, err := readAllCapped(&capReader{r: r, left: limit, err: fmt.Errorf("%s %w (more than %d bytes)", what, ErrTooLarge, limit)}, contentLength, limit)
	if err != nil {
		return nil, false, int64(len(data)), err
	}
	if contentEncoding == "gzip" {
		if len(data) == 0 {
			return nil, false, 0, nil // no body at all: checkListContent says "empty"
		}
		if data, err = gunzipCapped(data, limit, what); err != nil {
			return nil, false, 0, fmt.Errorf("Content-Encoding gzip: %w", err)
		}
	}
	gunzipped := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
	if gunzipped {
		if data, err = gunzipCapped(data, limit, what); err != nil {
			return nil, false, 0, fmt.Errorf("gzip file: %w", err)
		}
	}
	return data, gunzipped, int64(len(data)), nil
}

// gunzipCapped decompresses gz, refusing output of more than limit bytes
// before holding any of it (see readBody).
func gunzipCapped(gz []byte, limit int64, what string) ([]byte, error) {
	tooLarge := fmt.Errorf("%s %w (more than %d bytes after gzip decompression)", what, ErrTooLarge, limit)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, gzipNoEOF(err)
	}
	defer zr.Close()
	n, err := io.Copy(io.Discard, &capReader{r: zr, left: limit, err: tooLarge})
	if err != nil {
		return nil, gzipNoEOF(err)
	}
	if err := zr.Reset(bytes.NewReader(gz)); err != nil {
		return nil, gzipNoEOF(err)
	}
	return readAllCapped(&capReader{r: zr, left: limit, err: tooLarge}, n, limit)
}

// gzipNoEOF: a gzip header cut short is a truncated body, not a clean end.
func gzipNoEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readHeadBytes reads up to n bytes; a body shorter than n is no error.
func readHeadBytes(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, n)
	for len(buf) < n {
		m, err := r.Read(buf[len(buf):n])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readAllCapped is io.ReadAll that starts at the expected size, so a body with a
// Content-Length is read into one allocation, and never grows past
// limit+1, the most a capReader lets through plus room to see the end.
func readAllCapped(r io.Reader, hint, limit int64) ([]byte, error) {
	size := int64(32 << 10)
	if hint >= 0 {
		size = hint + 1
	}
	b := make([]byte, 0, min(size, limit+1))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = slices.Grow(b, int(max(1, min(int64(cap(b)), limit+1-int64(len(b))))))
		}
	}
}

// capReader fails with err, rather than ending early as io.LimitReader
// does, once its source holds more than left bytes: a silently truncated
// list would parse as mass delistings.
type capReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, c.err
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// ctxReader lets a cancelled context stop a local read between chunks.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// checkListContent rejects what is certainly not a list file.
func checkListContent(data []byte, what string) error {
	if len(data) == 0 {
		return fmt.Errorf("%w %s", ErrEmpty, what)
	}
	if source.LooksLikeHTML(data) {
		return source.HTMLPageError("", data)
	}
	return nil
}

func isHTMLType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// bodySnippet is one line of an error response, for the message.
func bodySnippet(resp *http.Response) string { return source.HTMLSnippet(bodyHead(resp)) }

// bodyHead reads the start of an error or HTML response.
func bodyHead(resp *http.Response) []byte {
	var r io.Reader = io.LimitReader(resp.Body, 4<<10)
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil
		}
		r = io.LimitReader(zr, 4<<10)
	}
	b, _ := io.ReadAll(r)
	return b
}

// drainBody reads a little of what is left so the connection can be reused;
// a large body is cheaper to abandon with its connection.
func drainBody(r io.Reader) { _, _ = io.CopyN(io.Discard, r, 64<<10) }

// name picks File.Name; see Download.
func (g *getCall) name(configured *url.URL, resp *http.Response, gunzipped bool) string {
	final := configured
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL
	}
	name := ""
	if b := path.Base(final.Path); looksLikeFileName(b) {
		name = b
	} else if cd := contentDispositionName(resp.Header.Get("Content-Disposition")); cd != "" {
		name = cd
	} else if b := path.Base(configured.Path); looksLikeFileName(b) {
		name = b
	} else if b := path.Base(final.Path); b != "/" && b != "." && b != "" {
		name = b
	} else {
		name = "download"
	}
	if gunzipped {
		name = strings.TrimSuffix(name, ".gz")
	}
	return name
}

func looksLikeFileName(b string) bool {
	ext := path.Ext(b)
	return ext != "" && ext != b && b != "/"
}

func contentDispositionName(cd string) string {
	if cd == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return ""
	}
	// A server-supplied name is only ever a base name.
	n := path.Base(strings.ReplaceAll(params["filename"], `\`, "/"))
	if n == "." || n == "/" || n == ".." {
		return ""
	}
	return n
}

// readFile reads a local file under the same cap and content checks as a
// download.
func (d *Downloader) readFile(ctx context.Context, p string) (*Download, error) {
	data, gunzipped, err := ReadLocalFile(ctx, p, d.maxBytes())
	if err != nil {
		return nil, err
	}
	if err := checkListContent(data, "file"); err != nil {
		return nil, err
	}
	name := filepath.Base(p)
	if gunzipped {
		name = strings.TrimSuffix(name, ".gz")
	}
	return &Download{File: source.RawFile{Name: name, Data: data}}, nil
}

func (d *Downloader) maxBytes() int64 {
	if d.MaxBytes > 0 {
		return d.MaxBytes
	}
	return DefaultMaxBytes
}

func (d *Downloader) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return DefaultTimeout
}

func (d *Downloader) retries() int { return max(d.Retries, 0) }

func (d *Downloader) maxRedirects() int {
	switch {
	case d.MaxRedirects < 0:
		return 0
	case d.MaxRedirects == 0:
		return DefaultMaxRedirects
	}
	return d.MaxRedirects
}

// backoff is the wait before retry n (1-based), see backoff.Wait.
func (d *Downloader) backoff(n int) time.Duration {
	base := d.Backoff
	if base <= 0 {
		base = DefaultBackoff
	}
	return backoff.Wait(n, base, maxBackoff)
}

func (d *Downloader) sleep(ctx context.Context, dur time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, dur)
	}
	return backoff.Sleep(ctx, dur)
}

// defaultClient serves every Downloader without a Client. Its transport
// bounds connecting and TLS; Downloader.Timeout bounds the rest, since the
// EU's server takes minutes to produce its file.
var defaultClient = &http.Client{
	Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   15 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConnsPerHost:   2,
	},
	CheckRedirect: checkRedirect(nil),
}

// clients holds, per caller-supplied *http.Client, the one copy of it with
// our CheckRedirect: made once, so connections are pooled as the caller's.
var clients sync.Map // *http.Client → *http.Client

func (d *Downloader) client() *http.Client {
	if d.Client == nil {
		return defaultClient
	}
	if c, ok := clients.Load(d.Client); ok {
		return c.(*http.Client)
	}
	c := *d.Client
	c.CheckRedirect = checkRedirect(d.Client.CheckRedirect)
	got, _ := clients.LoadOrStore(d.Client, &c)
	return got.(*http.Client)
}

type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// checkRedirect enforces the limit the attempt put in the request context
// and refuses to leave https for http, then defers to next.
func checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		limit, _ := req.Context().Value(redirectLimitKey{}).(int)
		if len(via) > limit {
			return &redirectError{fmt.Sprintf("stopped after %d redirects (limit %d), next was %s", len(via)-1, limit, redact.URL(req.URL.String()))}
		}
		if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return &redirectError{fmt.Sprintf("refusing redirect from https to %s", redact.URL(req.URL.String()))}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

func (d *Downloader) userAgent() string {
	if d.UserAgent != "" {
		return d.UserAgent
	}
	return tracker.UserAgent
}

// ReadLocalFile reads a list file from disk for `tracker import` and
// file:// URLs, with the same cap as a download, enforced while reading
// (a file may grow, and /dev/zero never ends), gzip undone. Only a regular
// file is read: the file is opened without blocking, so a FIFO, which
// would wait for a writer forever, is refused like a device or a
// directory. Reading stops when ctx is cancelled.
func ReadLocalFile(ctx context.Context, p string, limit int64) (data []byte, gunzipped bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if !st.Mode().IsRegular() {
		return nil, false, fmt.Errorf("%s is not a regular file (%s): only a list file can be read", p, fileKind(st.Mode()))
	}
	if st.Size() > limit {
		return nil, false, fmt.Errorf("%s: file %w (%d bytes > limit %d bytes): max_bytes in the config", p, ErrTooLarge, st.Size(), limit)
	}
	data, gunzipped, _, err = readBody(ctxReader{ctx, f}, "", st.Size(), limit, "file")
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", p, err)
	}
	return data, gunzipped, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// newRequest is every request to a publisher, for downloads and doctor's
// probes alike: the redirect limit, the User-Agent and the headers, with
// the validators when there are any.
func (d *Downloader) newRequest(ctx context.Context, u *url.URL, v Validators) (*http.Request, error) {
	ctx = context.WithValue(ctx, redirectLimitKey{}, d.maxRedirects())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %v", unwrapURLError(err))
	}
	req.Header.Set("User-Agent", d.userAgent())
	req.Header.Set("Accept", "*/*")
	// Setting it ourselves turns off the Transport's transparent gzip, so
	// that readBody can cap the decompressed size.
	req.Header.Set("Accept-Encoding", "gzip")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	return req, nil
}
