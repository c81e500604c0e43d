package ratelimit

import (
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

func TestQuota(t *testing.T) {
	tests := []struct {
		name  string
		limit store.Limit
		q, w  int64
	}{
		{name: "20/s burst 40", limit: perSecond(20, 40), q: 40, w: 2},
		{name: "10/s burst 1", limit: perSecond(10, 1), q: 10, w: 1},
		{name: "daily", limit: store.Limit{Rate: 10000, Period: 24 * time.Hour, Burst: 10000}, q: 10000, w: 86400},
		{name: "100/min burst 10", limit: store.Limit{Rate: 100, Period: time.Minute, Burst: 10}, q: 10, w: 6},
		{name: "7/s burst 3", limit: perSecond(7, 3), q: 7, w: 1},
		{name: "3 per 10s burst 1", limit: store.Limit{Rate: 3, Period: 10 * time.Second, Burst: 1}, q: 1, w: 4},
		{name: "huge", limit: store.Limit{Rate: 1, Period: 1 << 40, Burst: 1 << 20}, q: 1 << 20, w: 1_152_921_505},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, w := quota(tt.limit)
			if q != tt.q || w != tt.w {
				t.Errorf("quota = q=%d w=%d, want q=%d w=%d", q, w, tt.q, tt.w)
			}
		})
	}
}

func TestServiceItem(t *testing.T) {
	tests := []struct {
		name string
		d    store.Decision
		want string
	}{
		{name: "refused", d: store.Decision{RetryAfter: 1500 * time.Millisecond, ResetAfter: time.Hour}, want: `"n";r=0;t=2`},
		{name: "admitted", d: store.Decision{Allowed: true, Remaining: 7, ResetAfter: 2*time.Second + 1}, want: `"n";r=7;t=3`},
		{name: "full", d: store.Decision{Allowed: true, Remaining: 9}, want: `"n";r=9;t=0`},
		{name: "never", d: store.Decision{RetryAfter: store.RetryNever}, want: `"n";r=0;t=0`},
		{name: "negative remaining", d: store.Decision{Remaining: -3}, want: `"n";r=0;t=0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendServiceItem(nil, "n", tt.d)); got != tt.want {
				t.Errorf("item = %s, want %s", got, tt.want)
			}
		})
	}
	if got, want := policyItem("burst", perSecond(20, 40)), `"burst";q=40;w=2`; got != want {
		t.Errorf("policyItem = %s, want %s", got, want)
	}
	if got := ceilSeconds(time.Duration(1<<63 - 1)); got > sfMaxInteger {
		t.Errorf("ceilSeconds(max) = %d, above the SF integer range", got)
	}
}
