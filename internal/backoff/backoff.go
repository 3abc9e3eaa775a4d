// Package backoff is the one retry schedule of the tracker, shared by the
// downloader (a publisher's 5xx, a cut connection) and the alert
// dispatcher (Slack's 5xx and 429): exponential, capped, with jitter, and
// a wait that ends with its context.
//
// It is a helper of a few lines rather than a library such as
// cenkalti/backoff: both callers own their loop (the downloader honours
// Retry-After and counts attempts per URL, the dispatcher carries the
// attempt count across runs in the database), so all they share is the
// formula and the sleep.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Wait is the wait before retry n (1-based): base·2^(n-1), capped at max,
// less up to half of it at random ("equal jitter"), so that trackers that
// failed together do not retry in step, while each wait still grows.
func Wait(n int, base, max time.Duration) time.Duration {
	w := min(base, max)
	for i := 1; i < n && w < max; i++ {
		w *= 2
	}
	w = min(w, max)
	return w - rand.N(w/2+1)
}

// Sleep waits d, or returns ctx's error as soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
