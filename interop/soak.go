package interop

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/shockwave-rpc/shockwave/interop/grpc_testing"
	"github.com/shockwave-rpc/shockwave/rpc"
)

// SoakConfig configures rpc_soak and channel_soak, with the meaning of
// grpc-go's --soak_* flags.
type SoakConfig struct {
	Iterations          int
	MaxFailures         int
	PerIterationLatency time.Duration // the most an iteration may take
	OverallTimeout      time.Duration
	MinTimeBetweenRPCs  time.Duration
	RequestSize         int
	ResponseSize        int
	NumWorkers          int
	// Log receives a line per iteration; nil discards them.
	Log io.Writer
}

// DefaultSoakConfig is grpc-go's default: 10 large_unary iterations of at
// most a second each within 10 seconds, no failure allowed.
var DefaultSoakConfig = SoakConfig{
	Iterations:          10,
	PerIterationLatency: time.Second,
	OverallTimeout:      10 * time.Second,
	RequestSize:         largeReqSize,
	ResponseSize:        largeRespSize,
	NumWorkers:          1,
}

// RPCSoak runs the soak iterations on the client's connection.
func (c *Client) RPCSoak(ctx context.Context) error {
	return c.soak(ctx, func() (*rpc.ClientConn, func(), error) { return c.Conn, func() {}, nil })
}

// ChannelSoak runs each soak iteration on a new connection.
func (c *Client) ChannelSoak(ctx context.Context) error {
	if c.NewConn == nil {
		return fmt.Errorf("channel_soak needs Client.NewConn")
	}
	return c.soak(ctx, func() (*rpc.ClientConn, func(), error) {
		cc, err := c.NewConn()
		if err != nil {
			return nil, nil, err
		}
		return cc, func() { cc.Close() }, nil
	})
}

// soak runs grpc-go's soak procedure: every worker runs its share of the
// iterations, each a large_unary with the configured sizes on the
// connection conn gives; an iteration fails when the call fails or takes
// longer than PerIterationLatency. The test fails when more than
// MaxFailures iterations fail or not all ran within OverallTimeout.
func (c *Client) soak(ctx context.Context, conn func() (*rpc.ClientConn, func(), error)) error {
	cfg := c.Soak
	if cfg.NumWorkers <= 0 {
		cfg.NumWorkers = 1
	}
	if cfg.Iterations%cfg.NumWorkers != 0 {
		return fmt.Errorf("soak iterations (%d) must be a multiple of the workers (%d)", cfg.Iterations, cfg.NumWorkers)
	}
	log := cfg.Log
	if log == nil {
		log = io.Discard
	}
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		fmt.Fprintf(log, format+"\n", a...)
		logMu.Unlock()
	}
	start := time.Now()
	var mu sync.Mutex
	var ran, failed int
	var wg sync.WaitGroup
	for w := 0; w < cfg.NumWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < cfg.Iterations/cfg.NumWorkers; i++ {
				if ctx.Err() != nil || time.Since(start) >= cfg.OverallTimeout {
					return
				}
				next := time.Now().Add(cfg.MinTimeBetweenRPCs)
				err := func() error {
					cc, done, err := conn()
					if err != nil {
						return err
					}
					defer done()
					t0 := time.Now()
					if err := largeUnary(ctx, grpc_testing.NewTestServiceClient(cc), cfg.RequestSize, cfg.ResponseSize); err != nil {
						return err
					}
					if d := time.Since(t0); d > cfg.PerIterationLatency {
						return fmt.Errorf("took %v, more than the %v allowed", d.Round(time.Millisecond), cfg.PerIterationLatency)
					}
					return nil
				}()
				mu.Lock()
				ran++
				if err != nil {
					failed++
				}
				mu.Unlock()
				if err != nil {
					logf("worker %d: soak iteration %d failed: %v", w, i, err)
				} else {
					logf("worker %d: soak iteration %d succeeded", w, i)
				}
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
			}
		}()
	}
	wg.Wait()
	if ran != cfg.Iterations {
		return fmt.Errorf("soak test ran %d of %d iterations within %v", ran, cfg.Iterations, cfg.OverallTimeout)
	}
	if failed > cfg.MaxFailures {
		return fmt.Errorf("soak test: %d of %d iterations failed, more than the %d allowed", failed, cfg.Iterations, cfg.MaxFailures)
	}
	return nil
}
