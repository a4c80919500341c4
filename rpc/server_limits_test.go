package rpc_test

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/shockwave-rpc/shockwave/frames"
	"github.com/shockwave-rpc/shockwave/hpack"
	"github.com/shockwave-rpc/shockwave/rpc"
)

// TestLengthPrefixDoesNotAllocate: a client that sends only a message's
// 5-byte length prefix, claiming a message just under the receive limit,
// must not make the server allocate the whole message before its bytes
// arrive. 64 streams of 5 bytes each cost the server 256 MiB before
// readLarge (a buffer of the claimed 4 MiB each); now at most
// largeMsgFirst (256 KiB) each.
func TestLengthPrefixDoesNotAllocate(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const streams = 64
	srv, _, served := serveOn(t, lis, rpc.MaxConcurrentStreams(streams))
	defer func() { srv.Stop(); <-served }()

	nc, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	go func() { // read and drop whatever the server sends
		buf := make([]byte, 32<<10)
		for {
			if _, err := nc.Read(buf); err != nil {
				return
			}
		}
	}()

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	enc := hpack.NewEncoder(4096)
	out := append([]byte(nil), frames.ClientPreface...)
	out = frames.AppendSettings(out)
	out = frames.AppendSettingsAck(out)
	field := func(b []byte, k, v string) []byte {
		return enc.AppendField(b, hpack.Field{Name: []byte(k), Value: []byte(v)})
	}
	prefix := []byte{0, 0x00, 0x3f, 0xff, 0xff} // 4 MiB - 1: under the default limit
	for i := 0; i < streams; i++ {
		id := uint32(2*i + 1)
		var blk []byte
		blk = field(blk, ":method", "POST")
		blk = field(blk, ":scheme", "http")
		blk = field(blk, ":authority", "x")
		blk = field(blk, ":path", "/shockwave.echo.v1.EchoService/ClientStream")
		blk = field(blk, "content-type", "application/grpc")
		blk = field(blk, "te", "trailers")
		out = frames.AppendHeaders(out, id, false, blk, 16384)
		out = frames.AppendData(out, id, false, prefix)
	}
	if _, err := nc.Write(out); err != nil {
		t.Fatal(err)
	}

	// Sample the heap while the handlers read their prefixes.
	var peak uint64
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > before.HeapAlloc {
			peak = max(peak, ms.HeapAlloc-before.HeapAlloc)
		}
	}
	t.Logf("heap grew by %d MiB for %d bytes of message data", peak>>20, streams*len(prefix))
	if peak > 64<<20 {
		t.Fatalf("heap grew by %d MiB after %d streams sent a 5-byte message prefix each", peak>>20, streams)
	}
}
