package rpc

// CallOption configures one client call, passed to a generated client
// method or to Invoke and NewStream. Its method is unexported so that
// options come from this package, where the client knows how to apply them;
// embed EmptyCallOption to define an option that only interceptors read.
type CallOption interface {
	applyCall(*callInfo)
}

// callInfo, the per-call settings a client builds from the CallOptions of
// a call, is declared with the client (callopts_client.go).

// EmptyCallOption does nothing to a call. Embed it in a type of your own to
// pass values through CallOptions to client interceptors, which find them by
// type assertion.
type EmptyCallOption struct{}

func (EmptyCallOption) applyCall(*callInfo) {}
