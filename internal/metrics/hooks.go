package metrics

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
