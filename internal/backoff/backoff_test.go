package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	for _, tt := range []struct {
		n         int
		base, max time.Duration
		ceil      time.Duration
	}{
		{1, time.Second, time.Minute, time.Second},
		{2, time.Second, time.Minute, 2 * time.Second},
		{3, 2 * time.Second, time.Minute, 8 * time.Second},
		{7, time.Second, time.Minute, time.Minute},      // 64 s capped
		{400, time.Second, time.Minute, time.Minute},    // no overflow
		{1, 2 * time.Minute, time.Minute, time.Minute},  // base above the cap
		{3, 45 * time.Second, time.Minute, time.Minute}, // 180 s capped
	} {
		for range 200 {
			if w := Wait(tt.n, tt.base, tt.max); w < tt.ceil/2 || w > tt.ceil {
				t.Fatalf("Wait(%d, %v, %v) = %v, want within [%v, %v]", tt.n, tt.base, tt.max, w, tt.ceil/2, tt.ceil)
			}
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sleep = %v, want the context's deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Sleep took %v after its context ended", took)
	}
	if err := Sleep(t.Context(), time.Millisecond); err != nil {
		t.Errorf("Sleep(1ms) = %v", err)
	}
}
