// Command interop-client runs one gRPC interop test case against a server
// with Shockwave's rpc client, with the flags of grpc-go's interop client:
//
//	interop-client --server_host=H --server_port=N --test_case=NAME \
//	    [--use_tls --use_test_ca --server_host_override=foo.test.google.fr]
//
// The cases are those of grpc/grpc's doc/interop-test-descriptions.md:
// the fourteen core cases, rpc_soak and channel_soak, and the four
// compression cases. It exits 0 when the case passes, and 1 with the failed
// assertion on stderr otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shockwave-rpc/shockwave/interop"
	"github.com/shockwave-rpc/shockwave/rpc"
)

var (
	serverHost     = flag.String("server_host", "localhost", "the server host name")
	serverPort     = flag.Int("server_port", 10000, "the server port number")
	testCase       = flag.String("test_case", "large_unary", "the test case to run; see --list")
	list           = flag.Bool("list", false, "list the test cases and exit")
	useTLS         = flag.Bool("use_tls", false, "connect with TLS")
	useTestCA      = flag.Bool("use_test_ca", false, "trust the test CA (grpc-go's ca.pem) instead of the system roots")
	caFile         = flag.String("ca_file", "", "the CA root certificate file, with --use_test_ca (default: the embedded test CA)")
	hostOverride   = flag.String("server_host_override", "", "the server name for TLS verification and :authority (default: --server_host)")
	soakIterations = flag.Int("soak_iterations", interop.DefaultSoakConfig.Iterations, "iterations of rpc_soak and channel_soak")
	soakMaxFail    = flag.Int("soak_max_failures", 0, "soak iterations allowed to fail")
	soakLatencyMs  = flag.Int("soak_per_iteration_max_acceptable_latency_ms", 1000, "the most a soak iteration may take, in milliseconds")
	soakTimeoutSec = flag.Int("soak_overall_timeout_seconds", 10, "the time all soak iterations must finish in, in seconds")
	soakMinGapMs   = flag.Int("soak_min_time_ms_between_rpcs", 0, "the least time between the starts of two soak iterations, in milliseconds")
	soakReqSize    = flag.Int("soak_request_size", interop.DefaultSoakConfig.RequestSize, "the request payload size of a soak iteration")
	soakRespSize   = flag.Int("soak_response_size", interop.DefaultSoakConfig.ResponseSize, "the response payload size of a soak iteration")
	soakThreads    = flag.Int("soak_num_threads", 1, "concurrent soak workers")
	verbose        = flag.Bool("v", false, "log each soak iteration")
)

func main() {
	flag.Parse()
	c := &interop.Client{}
	cases := c.Cases()
	if *list {
		var names []string
		for name := range cases {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	run, ok := cases[*testCase]
	if !ok {
		fail("unknown test case %q (--list shows them)", *testCase)
	}
	cfg := interop.DialConfig{Addr: net.JoinHostPort(*serverHost, strconv.Itoa(*serverPort)), Authority: *hostOverride}
	for _, name := range interop.CompressionCases {
		cfg.Tapped = cfg.Tapped || name == *testCase
	}
	if *useTLS {
		conf, err := interop.ClientTLSConfig(*useTestCA, *caFile, *hostOverride)
		if err != nil {
			fail("%v", err)
		}
		cfg.TLS = conf
	}
	cc, err := interop.Dial(cfg)
	if err != nil {
		fail("dial %s: %v", cfg.Addr, err)
	}
	defer cc.Close()
	c.Conn = cc
	c.NewConn = func() (*rpc.ClientConn, error) { return interop.Dial(cfg) }
	c.Soak = interop.SoakConfig{
		Iterations:          *soakIterations,
		MaxFailures:         *soakMaxFail,
		PerIterationLatency: time.Duration(*soakLatencyMs) * time.Millisecond,
		OverallTimeout:      time.Duration(*soakTimeoutSec) * time.Second,
		MinTimeBetweenRPCs:  time.Duration(*soakMinGapMs) * time.Millisecond,
		RequestSize:         *soakReqSize,
		ResponseSize:        *soakRespSize,
		NumWorkers:          *soakThreads,
	}
	if *verbose {
		c.Soak.Log = os.Stderr
	}
	start := time.Now()
	if err := run(context.Background()); err != nil {
		cc.Close()
		fail("%s failed: %v", *testCase, err)
	}
	fmt.Printf("%s passed in %v\n", *testCase, time.Since(start).Round(time.Millisecond))
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "interop-client: "+format+"\n", a...)
	os.Exit(1)
}
