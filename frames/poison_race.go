//go:build race

package frames

// poisonViews is on in race-detector builds, which is how the test suite
// runs: ReadFrame then overwrites the previous frame's views before reading
// the next, so code that keeps a view past its lifetime reads garbage at
// once in tests instead of reading stale bytes only when a refill happens to
// land on them. This is the guard x/net gives its reused frames, made cheap
// enough to leave out of production builds.
const poisonViews = true
