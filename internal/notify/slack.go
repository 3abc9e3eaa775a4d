package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/cybersanctions/tracker/internal/redact"
)

// Slack posts alerts to Slack, either with a bot token (chat.postMessage:
// a long alert becomes a thread under its first message) or to an incoming
// webhook (no threads: each part is a message of its own, "(part 2/3)";
// the webhook decides the channel, so Alert.Channel is ignored).
type Slack struct {
	client  *slack.Client // token mode
	channel string        // token mode: the default channel
	webhook string        // webhook mode: the URL, a credential
	http    *http.Client
	secrets *redact.Scrubber // never shown in an error
}

// SlackOption configures a Slack notifier.
type SlackOption func(*slackOptions)

type slackOptions struct {
	apiURL string
	client *http.Client
}

// WithAPIURL points token mode at another Slack Web API base URL (a test
// server, a proxy). It is passed to slack.OptionAPIURL.
func WithAPIURL(u string) SlackOption {
	return func(o *slackOptions) { o.apiURL = u }
}

// WithHTTPClient sets the HTTP client (timeouts, proxy). The default has a
// 30 s timeout: a hung connection must not hold the dispatcher forever.
func WithHTTPClient(c *http.Client) SlackOption {
	return func(o *slackOptions) { o.client = c }
}

// NewSlack returns a token-mode notifier posting to channel unless an
// alert names another.
func NewSlack(token, channel string, opts ...SlackOption) (*Slack, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("slack: empty token")
	}
	if strings.TrimSpace(channel) == "" {
		return nil, errors.New("slack: no default channel")
	}
	o := options(opts)
	s := &Slack{channel: channel, http: o.client, secrets: redact.New(token)}
	copts := []slack.Option{slack.OptionHTTPClient(s.http)}
	if o.apiURL != "" {
		u := o.apiURL
		if !strings.HasSuffix(u, "/") {
			u += "/" // slack-go appends the method name
		}
		copts = append(copts, slack.OptionAPIURL(u))
	}
	s.client = slack.New(token, copts...)
	return s, nil
}

// NewSlackWebhook returns a webhook-mode notifier. The URL is a credential:
// no error ever quotes it.
func NewSlackWebhook(webhookURL string, opts ...SlackOption) (*Slack, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("slack webhook: not an http(s) URL (value not shown)")
	}
	o := options(opts)
	// The secret part of a webhook URL is its path (and query, if any);
	// errors may print the URL in another normalisation, so each part is
	// redacted on its own too.
	secrets := []string{webhookURL, u.String()}
	for _, part := range []string{u.Path, u.EscapedPath(), u.RawQuery} {
		if len(strings.Trim(part, "/")) >= 8 {
			secrets = append(secrets, part)
		}
	}
	return &Slack{webhook: webhookURL, http: o.client, secrets: redact.New(secrets...)}, nil
}

func options(opts []SlackOption) slackOptions {
	var o slackOptions
	for _, f := range opts {
		f(&o)
	}
	base := o.client
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	c := *base
	tr := c.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	c.Transport = captureTransport{base: tr}
	o.client = &c
	return o
}

// Name implements Notifier.
func (s *Slack) Name() string { return "slack" }

// String describes the notifier without its credential, for %v and %+v.
func (s *Slack) String() string {
	if s.threaded() {
		return "slack (token, channel " + s.channel + ")"
	}
	return "slack (webhook)"
}

// GoString keeps %#v from printing the token or the webhook URL.
func (s *Slack) GoString() string { return s.String() }

func (s *Slack) threaded() bool { return s.client != nil }

// Deliver implements Notifier.
func (s *Slack) Deliver(ctx context.Context, a Alert, p Progress, record func(Progress) error) error {
	msgs := renderSlack(a, s.threaded())
	for i := p.Sent; i < len(msgs); i++ {
		if ctx.Err() != nil {
			return canceled(ctx, "slack", i+1, len(msgs))
		}
		var err error
		if s.threaded() {
			err = s.post(ctx, a, &p, msgs[i], i, len(msgs))
		} else {
			err = s.postWebhook(ctx, msgs[i], i, len(msgs))
		}
		if err != nil {
			return err
		}
		p.Sent = i + 1
		if record == nil {
			continue
		}
		if err := record(p); err != nil {
			return recordFailed(p.Sent, len(msgs), err)
		}
	}
	return nil
}

func (s *Slack) post(ctx context.Context, a Alert, p *Progress, m slackMessage, i, n int) error {
	channel := p.Channel
	if channel == "" {
		channel = a.Channel
	}
	if channel == "" {
		channel = s.channel
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false), // escaped by the renderer
		slack.MsgOptionBlocks(m.Blocks...),
		slack.MsgOptionParse(false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if i > 0 && p.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(p.ThreadTS))
	}
	capture := &bodyCapture{}
	ch, ts, err := s.client.PostMessageContext(context.WithValue(ctx, captureKey{}, capture), channel, opts...)
	if err != nil {
		return s.classify(err, capture.code, fmt.Sprintf("channel %s, message %d of %d", channel, i+1, n))
	}
	if p.Channel == "" && ch != "" {
		// Later parts go to the channel id Slack answered with: a thread
		// reply needs the channel the parent is in, whatever it is renamed to.
		p.Channel = ch
	}
	if p.ThreadTS == "" {
		p.ThreadTS = ts
	}
	p.LastTS = ts
	return nil
}

func (s *Slack) postWebhook(ctx context.Context, m slackMessage, i, n int) error {
	capture := &bodyCapture{}
	err := slack.PostWebhookCustomHTTPContext(context.WithValue(ctx, captureKey{}, capture), s.webhook, s.http, webhookPayload(m))
	if err != nil {
		return s.classify(err, capture.code, fmt.Sprintf("message %d of %d", i+1, n))
	}
	return nil
}

// webhookPayload is the body of a webhook post, apart so that the golden
// tests can show exactly what a webhook receives. Unfurling is off as in
// token mode: a link in list text must not make Slack fetch it.
func webhookPayload(m slackMessage) *slack.WebhookMessage {
	off := false
	return &slack.WebhookMessage{
		Text:        m.Text,
		Blocks:      &slack.Blocks{BlockSet: m.Blocks},
		UnfurlLinks: &off,
		UnfurlMedia: &off,
	}
}

// slackHints explains Slack's error codes (Web API ok:false, and the text
// bodies of webhook errors) to whoever reads the log.
var slackHints = map[string]string{
	"channel_not_found":                 "the channel does not exist, or it is private and the bot is not in it",
	"not_in_channel":                    "the bot is not a member of the channel: invite it (/invite @bot)",
	"is_archived":                       "the channel is archived",
	"channel_is_archived":               "the channel is archived",
	"invalid_auth":                      "the token is not valid",
	"not_authed":                        "no token was sent",
	"account_inactive":                  "the token belongs to a deactivated bot, user or workspace",
	"token_revoked":                     "the token was revoked",
	"token_expired":                     "the token expired",
	"missing_scope":                     "the token lacks the chat:write scope",
	"no_permission":                     "the token has no permission for this",
	"not_allowed_token_type":            "chat.postMessage needs a bot token (xoxb-…)",
	"restricted_action":                 "the workspace does not let the bot post in this channel",
	"action_prohibited":                 "a workspace admin restricted posting to this channel",
	"posting_to_general_channel_denied": "only admins may post to this channel",
	"team_access_not_granted":           "the token has no access to the workspace of this channel",
	"ekm_access_denied":                 "the workspace's encryption keys were revoked",
	"team_disabled":                     "the workspace is disabled",
	"no_service":                        "the webhook URL is wrong, or the webhook was removed",
	"no_service_id":                     "the webhook URL is incomplete",
	"no_team":                           "the webhook's workspace is gone",
	"no_active_hooks":                   "the webhook is disabled",
	"invalid_token":                     "the webhook's token is not valid (was the app uninstalled?)",
	"user_not_found":                    "the webhook's user does not exist",
	"msg_too_long":                      "Slack found the message too long (a tracker bug: please report it)",
	"msg_blocks_too_long":               "Slack found the blocks too long (a tracker bug: please report it)",
	"invalid_blocks":                    "Slack rejected the blocks (a tracker bug: please report it)",
	"invalid_blocks_format":             "Slack rejected the blocks (a tracker bug: please report it)",
	"invalid_payload":                   "Slack could not read the message (a tracker bug: please report it)",
	"no_text":                           "the message had no text (a tracker bug: please report it)",
}

// slackRetryable are ok:false codes that describe Slack's state, not the
// request: trying again later may work.
var slackRetryable = map[string]bool{
	"ratelimited": true, "rate_limited": true, "internal_error": true,
	"fatal_error": true, "service_unavailable": true, "request_timeout": true,
}

// classify turns a slack-go error into an *Error for the retry policy,
// with a message that says what to do, and without the credential.
func (s *Slack) classify(err error, body, where string) *Error {
	prefix := "slack"
	if !s.threaded() {
		prefix = "slack webhook"
	}
	out := &Error{Retryable: true}
	var msg string
	var cause error = err
	var urlErr *url.Error
	switch rl, sc, se := asType[*slack.RateLimitedError](err), asType[slack.StatusCodeError](err), asType[slack.SlackErrorResponse](err); {
	case rl != nil:
		out.RetryAfter = (*rl).RetryAfter
		msg = fmt.Sprintf("rate limited (%s): retry after %s", where, out.RetryAfter)
	case sc != nil:
		out.Retryable = sc.Retryable()
		status := sc.Status
		if status == "" {
			status = fmt.Sprint(sc.Code)
		}
		msg = "HTTP " + status
		if body != "" {
			msg += " " + body
		}
		msg += " (" + where + ")"
		if h := slackHints[body]; h != "" {
			msg += ": " + h
		} else if sc.Code == http.StatusNotFound || sc.Code == http.StatusForbidden {
			msg += ": the URL or the credential is wrong"
		}
	case se != nil:
		code := se.Err
		out.Retryable = slackRetryable[code]
		msg = code + " (" + where + ")"
		if h := slackHints[code]; h != "" {
			msg += ": " + h
		}
		if se.Needed != "" {
			msg += "; needed scope " + se.Needed
		}
		if ms := se.ResponseMetadata.Messages; len(ms) > 0 {
			msg += "; " + truncate(clean(strings.Join(ms, "; ")), 300)
		}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		what := "interrupted"
		if errors.Is(err, context.DeadlineExceeded) {
			what = "timed out"
		}
		if errors.As(err, &urlErr) {
			cause = urlErr.Err
		}
		msg = what + " (" + where + "): " + cause.Error()
	case errors.As(err, &urlErr):
		// A url.Error prints the request URL: in webhook mode that is the
		// credential. Keep only what it wraps.
		cause = urlErr.Err
		kind := "network error"
		if _, ok := errors.AsType[net.Error](urlErr.Err); !ok {
			kind = "request failed"
		}
		msg = kind + " (" + where + "): " + urlErr.Err.Error()
	default:
		// A response Slack did not mean (an HTML error page from a proxy,
		// a cut-off body): worth another try.
		msg = "unexpected response (" + where + "): " + err.Error()
	}
	redacted := s.redact(msg)
	if cause != nil && s.redact(cause.Error()) != cause.Error() {
		cause = nil // it would reveal the credential to whoever unwraps it
	}
	out.Err = &slackError{msg: prefix + ": " + redacted, cause: cause}
	return out
}

func asType[T error](err error) *T {
	if v, ok := errors.AsType[T](err); ok {
		return &v
	}
	return nil
}

func (s *Slack) redact(msg string) string { return s.secrets.String(msg) }

// slackError is a classified, redacted failure. It unwraps to slack-go's
// typed error (or the network error), so callers can still inspect it.
type slackError struct {
	msg   string
	cause error
}

func (e *slackError) Error() string { return e.msg }
func (e *slackError) Unwrap() error { return e.cause }

// captureTransport keeps the start of an error response's body. slack-go
// discards it for non-200 answers, but a webhook says why it refused there
// ("no_service", "channel_is_archived"), and that is the useful part.
type captureTransport struct{ base http.RoundTripper }

type captureKey struct{}

type bodyCapture struct{ code string }

var slackCode = regexp.MustCompile(`^[a-z_]{2,64}$`)

func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	c, _ := req.Context().Value(captureKey{}).(*bodyCapture)
	if c == nil {
		return resp, nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if code := strings.TrimSpace(string(head)); slackCode.MatchString(code) {
		c.code = code // only a bare error code: never echo a page back
	}
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
