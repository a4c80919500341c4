//go:build peers

package main

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Real peers against `shockwave serve`. Built with the peers tag, which
// `make test` sets after `make peers` installed them; a missing peer is a
// failure, not a skip.

func peer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("peer %s not found in PATH (run `make peers`; the Makefile puts ./bin on PATH): %v", name, err)
	}
	return p
}

func runPeer(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, peer(t, name), args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

var h2specRE = regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`)

// Every one of h2spec's 146 strict-mode cases passes, over h2c and TLS.
// (x/net's server passes 141 and 142.)
func TestH2Spec(t *testing.T) {
	addr := startServe(t, "--tls-self-signed")
	host, port, _ := strings.Cut(addr, ":")
	for _, mode := range []struct {
		name string
		args []string
	}{{"h2c", nil}, {"tls", []string{"-t", "-k"}}} {
		t.Run(mode.name, func(t *testing.T) {
			args := append([]string{"-h", host, "-p", port, "-S", "-o", "5"}, mode.args...)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, _ := exec.CommandContext(ctx, peer(t, "h2spec"), args...).CombinedOutput()
			m := h2specRE.FindStringSubmatch(string(out))
			if m == nil {
				t.Fatalf("no summary line in h2spec output:\n%s", out)
			}
			t.Logf("h2spec %s: %s", mode.name, m[0])
			if m[1] != "146" || m[2] != "146" || m[3] != "0" || m[4] != "0" {
				i := strings.Index(string(out), "Failures:")
				t.Fatalf("h2spec %s: %s, want 146 passed\n%s", mode.name, m[0], string(out)[max(i, 0):])
			}
		})
	}
}

func TestCurl(t *testing.T) {
	addr := startServe(t, "--tls-self-signed")
	if out := runPeer(t, time.Minute, "curl", "-sS", "--http2-prior-knowledge", "-w", " %{http_version} %{http_code}", "http://"+addr+"/healthz"); out != "ok 2 200" {
		t.Fatalf("curl h2c: %q", out)
	}
	if out := runPeer(t, time.Minute, "curl", "-sS", "-k", "--http2", "-w", " %{http_version} %{http_code}", "https://"+addr+"/healthz"); out != "ok 2 200" {
		t.Fatalf("curl TLS: %q", out)
	}
	if out := runPeer(t, time.Minute, "curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "http://"+addr+"/nope"); out != "404" {
		t.Fatalf("curl 404: %q", out)
	}
}

func TestNghttp(t *testing.T) {
	addr := startServe(t, "--tls-self-signed")
	for _, url := range []string{"http://" + addr + "/healthz", "https://" + addr + "/healthz"} {
		if out := runPeer(t, time.Minute, "nghttp", url); out != "ok" {
			t.Fatalf("nghttp %s: %q", url, out)
		}
	}
}

var h2loadRE = regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)

// Sustained load from h2load: every request succeeds.
func TestH2Load(t *testing.T) {
	addr := startServe(t, "--tls-self-signed")
	const n = 50000
	for _, url := range []string{"http://" + addr + "/healthz", "https://" + addr + "/healthz"} {
		out := runPeer(t, 3*time.Minute, "h2load", "-n", strconv.Itoa(n), "-c", "8", "-m", "16", "-t", "1", url)
		m := h2loadRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no summary in h2load output:\n%s", out)
		}
		if m[4] != strconv.Itoa(n) || m[5] != "0" || m[6] != "0" || m[7] != "0" || !strings.Contains(out, "status codes: "+strconv.Itoa(n)+" 2xx") {
			t.Fatalf("h2load %s: %s\n%s", url, m[0], out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "finished in") {
				t.Logf("h2load %s: %s", url, l)
			}
		}
	}
}
