// Command conformance-client is the client under test of the Connect
// conformance suite (connectrpc.com/conformance), run as
//
//	connectconformance --mode client --conf CONFIG.yaml -- conformance-client
//
// It reads ClientCompatRequests on stdin (each a 4-byte big-endian size,
// then the message) until EOF, runs each described call with Shockwave's
// rpc client, several at a time, and writes a ClientCompatResponse for
// each on stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/shockwave-rpc/shockwave/interop/internal/conformance"
	conformancev1 "github.com/shockwave-rpc/shockwave/interop/internal/conformancev1"
)

var parallel = flag.Int("p", runtime.GOMAXPROCS(0)*4, "calls to run at once")

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance-client:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		outMu  sync.Mutex
		outErr error
		wg     sync.WaitGroup
		slots  = make(chan struct{}, max(*parallel, 1))
	)
	defer wg.Wait()
	for {
		req := new(conformancev1.ClientCompatRequest)
		if err := conformance.ReadMessage(os.Stdin, req); err != nil {
			if err == io.EOF {
				wg.Wait()
				return outErr
			}
			return fmt.Errorf("reading a ClientCompatRequest: %w", err)
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			result, err := conformance.Invoke(context.Background(), req)
			resp := conformance.Respond(req.GetTestName(), result, err)
			outMu.Lock()
			defer outMu.Unlock()
			if err := conformance.WriteMessage(os.Stdout, resp); err != nil && outErr == nil {
				outErr = err
			}
		}()
	}
}
