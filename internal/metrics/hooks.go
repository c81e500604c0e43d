package metrics

import "time"

// Hooks for the components that see what the pipeline does not: the server
// (connections, shedding), the proxy (upstream failures) and the config
// loader (reloads). Each is safe on a nil *Metrics.

// UpstreamError counts a failed upstream round trip. kind must come from a
// small fixed set chosen by the caller ("timeout", "refused", "reset",
// "tls", "circuit_open", "other"), never from error text.
func (m *Metrics) UpstreamError(api, upstream, kind string) {
	if m == nil {
		return
	}
	m.upstreamErrors.WithLabelValues(api, upstream, kind).Inc()
}

// ConnOpened counts a client connection that was accepted.
func (m *Metrics) ConnOpened() {
	if m == nil {
		return
	}
	m.openConns.Inc()
}

// ConnClosed counts a client connection that ended; pair it with ConnOpened.
func (m *Metrics) ConnClosed() {
	if m == nil {
		return
	}
	m.openConns.Dec()
}

// ConnRejected counts a connection refused by a connection limit.
func (m *Metrics) ConnRejected() {
	if m == nil {
		return
	}
	m.connsRejected.Inc()
}

// Shed counts a request refused by load shedding. reason must be a fixed
// string from the caller ("concurrency", "queue_timeout", ...).
func (m *Metrics) Shed(reason string) {
	if m == nil {
		return
	}
	m.shed.WithLabelValues(reason).Inc()
}

// Reload counts a configuration reload attempt and its result.
func (m *Metrics) Reload(ok bool) {
	if m == nil {
		return
	}
	result := "failure"
	if ok {
		result = "success"
	}
	m.reloads.WithLabelValues(result).Inc()
}

// StoreHealthy records a transition of the shared store.
func (m *Metrics) StoreHealthy(healthy bool) {
	if m == nil {
		return
	}
	if healthy {
		m.storeHealthy.Set(1)
	} else {
		m.storeHealthy.Set(0)
	}
}

// StoreError counts a failed store call by the component that made it
// (a fixed string: "ratelimit", "ban", "bruteforce", ...).
func (m *Metrics) StoreError(component string) {
	if m == nil {
		return
	}
	m.storeErrors.WithLabelValues(component).Inc()
}

// Security counts a protective action: action is "rate_limited",
// "lockout", "ban" or "banned_request"; kind its key kind or reason (fixed
// strings from the guards).
func (m *Metrics) Security(action, kind string) {
	if m == nil {
		return
	}
	m.security.WithLabelValues(action, kind).Inc()
}

// AuditQueueDepth, AuditWriteLatency, AuditDropped and AuditFailed are the
// audit log's hooks.
func (m *Metrics) AuditQueueDepth(n int) {
	if m != nil {
		m.auditQueue.Set(float64(n))
	}
}

// AuditWriteLatency observes one batch write.
func (m *Metrics) AuditWriteLatency(d time.Duration) {
	if m != nil {
		m.auditLatency.Observe(d.Seconds())
	}
}

// AuditDropped counts a dropped audit record.
func (m *Metrics) AuditDropped() {
	if m != nil {
		m.auditDropped.Inc()
	}
}

// AuditFailed counts a failed audit write or sync.
func (m *Metrics) AuditFailed(error) {
	if m != nil {
		m.auditFailures.Inc()
	}
}
