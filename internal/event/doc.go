// Package event holds Rampart's record sinks: where security Events and
// per-request Outcomes leave the process for files, stdout and SIEMs.
//
//   - JSONLSink (a pipeline.EventSink) writes one JSON object per Event per
//     line, with Elastic Common Schema (ECS) field names as nested objects
//     ({"event":{"action":"denial"}}, the form ECS documents and Elasticsearch
//     stores), ready for Filebeat/Elastic Agent, Vector, Fluent Bit or
//     Splunk to tail.
//   - AccessLog (a pipeline.OutcomeSink) writes one JSON line per request
//     (the shape log/slog's JSON handler gives, encoded by hand: no
//     allocation per line) with ECS field names as flat dotted keys
//     ("http.request.method"), the form the ecs-logging specification allows
//     and ingest pipelines expand.
//
// Both serialise writes so concurrent requests produce whole lines, never
// stop the gateway on a write error (they count it: Errors), and write only
// the fields they document, so no header, cookie, query string or body can
// carry a secret into a log.
//
// Usage:
//
//	events, err := event.OpenJSONL("/var/log/rampart/events.jsonl") // "-" is stdout
//	defer events.Close()
//	access := event.NewAccessLog(os.Stdout)
//	chain, err := pipeline.NewChain(pipeline.Options{
//		Events:   []pipeline.EventSink{events},
//		Outcomes: []pipeline.OutcomeSink{access},
//		...
//	})
package event
