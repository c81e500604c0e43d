package shed

import (
	"fmt"
	"time"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	// DefaultMaxConcurrent is the concurrency limit when MaxConcurrent is 0.
	DefaultMaxConcurrent = 1024
	// DefaultQueueTimeout is how long a request may wait for a slot.
	DefaultQueueTimeout = time.Second
	// DefaultRetryAfter is the Retry-After sent with a 503.
	DefaultRetryAfter = time.Second
)

// Config configures a [Shedder]. The zero value of every field means its
// documented default, applied in one place by [New].
type Config struct {
	// MaxConcurrent is the number of requests admitted at once, gateway-wide.
	// 0 means DefaultMaxConcurrent (1024); negative disables shedding (every
	// request is admitted, nothing is counted).
	MaxConcurrent int

	// MaxQueue is how many requests may wait for a slot when all are busy.
	// 0 means MaxConcurrent; negative means no queue (shed at once when all
	// slots are busy).
	MaxQueue int

	// QueueTimeout is the longest a request waits in the queue before it is
	// shed. 0 means DefaultQueueTimeout (1s); negative is an error.
	QueueTimeout time.Duration

	// RetryAfter is sent as the Retry-After header (whole seconds, rounded
	// up) with every 503. 0 means DefaultRetryAfter (1s); negative is an error.
	RetryAfter time.Duration
}

// settings is a validated Config with its defaults applied.
type settings struct {
	disabled      bool
	maxConcurrent int
	maxQueue      int64
	queueTimeout  time.Duration
	retryAfter    time.Duration
}

// resolve validates c and applies the defaults.
func (c Config) resolve() (settings, error) {
	if c.MaxConcurrent < 0 {
		return settings{disabled: true}, nil
	}
	if c.QueueTimeout < 0 {
		return settings{}, fmt.Errorf("shed: queue timeout %v is negative", c.QueueTimeout)
	}
	if c.RetryAfter < 0 {
		return settings{}, fmt.Errorf("shed: retry-after %v is negative", c.RetryAfter)
	}
	s := settings{
		maxConcurrent: c.MaxConcurrent,
		queueTimeout:  c.QueueTimeout,
		retryAfter:    c.RetryAfter,
	}
	if s.maxConcurrent == 0 {
		s.maxConcurrent = DefaultMaxConcurrent
	}
	switch {
	case c.MaxQueue == 0:
		s.maxQueue = int64(s.maxConcurrent)
	case c.MaxQueue > 0:
		s.maxQueue = int64(c.MaxQueue)
	}
	if s.queueTimeout == 0 {
		s.queueTimeout = DefaultQueueTimeout
	}
	if s.retryAfter == 0 {
		s.retryAfter = DefaultRetryAfter
	}
	return s, nil
}
