// Package api is a node's HTTP surface: /healthz (the process runs),
// /readyz (it can do its job: chain reachable, registered, peers found),
// /metrics (Prometheus) and a read-only JSON API of the node's state under
// /api/v1/. It listens on loopback unless configured otherwise.
//
// It owns routing and encoding only; the state it serves comes through the
// small interfaces below, from the packages that own it.
package api
