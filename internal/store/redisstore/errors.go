package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/store"
)

// transientReplies are Redis error replies that mean "not now" rather
// than "wrong": the server is loading, failing over, a replica, or busy;
// on Cluster, slots are moving (MOVED and ASK reach us only once the
// client's redirects are used up). CROSSSLOT is not here: it would be a
// bug (every script's keys share a hash tag), not an outage.
var transientReplies = []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK", "BUSY", "NOREPLICAS", "ERR max number of clients"}

// fail classifies err from an operation: the caller's own cancellation
// as is; a Redis error reply (a script error, WRONGTYPE, a refused login)
// as a plain error; anything else (network, our timeout, closed client,
// a transient reply) wrapping store.ErrUnavailable.
func (s *Store) fail(op string, parent context.Context, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("redis %s: %w", op, perr)
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		msg := reply.Error()
		for _, p := range transientReplies {
			if strings.HasPrefix(msg, p) {
				return fmt.Errorf("redis %s: %w: %w", op, store.ErrUnavailable, err)
			}
		}
		return fmt.Errorf("redis %s: %w", op, err)
	}
	return fmt.Errorf("redis %s: %w: %w", op, store.ErrUnavailable, err)
}
