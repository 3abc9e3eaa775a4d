package notify

import (
	"context"
	"errors"
)

// ErrNoCheck: a webhook has no read-only check; the only test is to post.
var ErrNoCheck = errors.New("slack webhook: no check without posting a message")

// Check verifies a token-mode notifier's credential with auth.test, which
// posts nothing, and says which workspace and bot it is. Errors are
// classified and redacted like a delivery's. A webhook returns ErrNoCheck.
func (s *Slack) Check(ctx context.Context) (string, error) {
	if !s.threaded() {
		return "", ErrNoCheck
	}
	r, err := s.client.AuthTestContext(ctx)
	if err != nil {
		return "", s.classify(err, "", "auth.test").Err
	}
	return clean("workspace " + r.Team + ", bot user " + r.User), nil
}
