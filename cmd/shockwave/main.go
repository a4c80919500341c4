// Command shockwave is the Shockwave command-line tool: it generates code,
// serves the demo services and calls them.
//
// Subcommands arrive with the layers that back them; running one that is not
// there yet says so and exits non-zero rather than pretending.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: shockwave <command> [flags]

commands:
  demo    start an EchoService server on loopback and call every call shape
  serve   serve the HTTP/2 transport (and RPC services) on one port
  gen     generate Go messages and service stubs from .proto files
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "gen":
		return runGen(args[1:], stdout, stderr)
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return serve(ctx, args[1:], stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "shockwave: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
