// Package bench holds Shockwave's competitive benchmarks. Each benchmark runs
// beside the anchor it is measured against (x/net/http2, grpc-go, connect-go,
// net/http) in the same process, so that benchstat can report ratios that mean
// something on a noisy machine. It is its own module so that those anchors
// never enter the library's dependency graph.
package bench
