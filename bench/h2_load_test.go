//go:build peers

package bench

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// BenchmarkH2Load drives `shockwave serve` and net/http's h2c server
// (cmd/h2chello), each in its own process, with
//
//	h2load -n 100000 -c 8 -m 16 -t 1 http://127.0.0.1:PORT/healthz
//
// and reports requests per second. Needs h2load (`make peers`); compare
// with `benchstat -col /impl`.
func BenchmarkH2Load(b *testing.B) {
	h2load, err := exec.LookPath("h2load")
	if err != nil {
		b.Fatalf("h2load not found in PATH (run `make peers`): %v", err)
	}
	dir := b.TempDir()
	// Each binary is built in its own module: cmd/shockwave in the root
	// (its code generator's dependencies are not the bench module's).
	for _, impl := range []struct{ name, dir, pkg string }{
		{"shockwave", "..", "./cmd/shockwave"},
		{"nethttp", ".", "./cmd/h2chello"},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			bin := filepath.Join(dir, impl.name)
			build := exec.Command("go", "build", "-o", bin, impl.pkg)
			build.Dir = impl.dir
			if out, err := build.CombinedOutput(); err != nil {
				b.Fatalf("build %s: %v\n%s", impl.pkg, err, out)
			}
			args := []string{"--listen", "127.0.0.1:0"}
			if impl.name == "shockwave" {
				args = append([]string{"serve"}, args...)
			}
			addr := startProcess(b, bin, args...)
			b.ResetTimer()
			var total float64
			for i := 0; i < b.N; i++ {
				total += h2loadRun(b, h2load, "http://"+addr+"/healthz")
			}
			b.ReportMetric(total/float64(b.N), "req/s")
		})
	}
}

var listenRE = regexp.MustCompile(`listening on (\S+)`)

// startProcess runs a server binary until the benchmark ends and returns
// the address it reports.
func startProcess(b *testing.B, bin string, args ...string) string {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(30 * time.Second):
		b.Fatalf("%s did not report its address", bin)
		return ""
	}
}

var (
	h2loadOK   = regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed`)
	h2loadRate = regexp.MustCompile(`finished in [^,]+, ([\d.]+) req/s`)
)

func h2loadRun(b *testing.B, h2load, url string) float64 {
	const n = 100000
	out, err := exec.Command(h2load, "-n", strconv.Itoa(n), "-c", "8", "-m", "16", "-t", "1", url).CombinedOutput()
	if err != nil {
		b.Fatalf("h2load: %v\n%s", err, out)
	}
	ok := h2loadOK.FindSubmatch(out)
	rate := h2loadRate.FindSubmatch(out)
	if ok == nil || rate == nil || string(ok[2]) != strconv.Itoa(n) || string(ok[3]) != "0" {
		b.Fatalf("h2load failed requests:\n%s", out)
	}
	r, _ := strconv.ParseFloat(string(rate[1]), 64)
	return r
}
