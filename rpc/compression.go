package rpc

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"sync"

	"github.com/shockwave-rpc/shockwave/rpc/codes"
	"github.com/shockwave-rpc/shockwave/rpc/status"
)

// Compressor compresses and decompresses messages for one grpc-encoding.
// It has grpc-go's encoding.Compressor shape, so an implementation written
// for grpc-go ports by changing its import.
type Compressor interface {
	// Compress returns a writer that compresses into w; the message is
	// complete when the writer is closed.
	Compress(w io.Writer) (io.WriteCloser, error)
	// Decompress returns a reader of the decompressed bytes of r.
	Decompress(r io.Reader) (io.Reader, error)
	// Name is the grpc-encoding token, such as "gzip".
	Name() string
}

// Identity is the name of the encoding that does not compress.
const Identity = "identity"

// compressors is read without a lock on every call that names an
// encoding; RegisterCompressor may only run during initialisation.
var (
	compressors     = map[string]Compressor{}
	compressorNames []string // registration order, for grpc-accept-encoding
	acceptEncoding  string   // compressorNames joined with ","
)

// RegisterCompressor makes c available to servers (to decode requests and,
// when a client asks, compress responses) and to clients (UseCompressor).
// Call it only from init functions. gzip is registered by this package.
func RegisterCompressor(c Compressor) {
	name := c.Name()
	if name == "" || name == Identity {
		panic("rpc: RegisterCompressor with a reserved name " + name)
	}
	if _, ok := compressors[name]; !ok {
		compressorNames = append(compressorNames, name)
		acceptEncoding = strings.Join(compressorNames, ",")
	}
	compressors[name] = c
}

// GetCompressor returns the compressor registered under name, or nil.
func GetCompressor(name string) Compressor { return compressors[name] }

func init() { RegisterCompressor(Gzip) }

// Gzip is the gzip Compressor ("gzip", RFC 1952). Its writers and readers
// are pooled, so steady compressed traffic allocates little.
var Gzip Compressor = &gzipCompressor{level: gzip.DefaultCompression}

type gzipCompressor struct {
	level   int
	writers sync.Pool // *gzipWriter
	readers sync.Pool // *gzipReader
}

func (g *gzipCompressor) Name() string { return "gzip" }

type gzipWriter struct {
	*gzip.Writer
	pool *sync.Pool
}

func (w *gzipWriter) Close() error {
	err := w.Writer.Close()
	w.Writer.Reset(io.Discard)
	w.pool.Put(w)
	return err
}

func (g *gzipCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	if zw, ok := g.writers.Get().(*gzipWriter); ok {
		zw.Writer.Reset(w)
		return zw, nil
	}
	z, err := gzip.NewWriterLevel(w, g.level)
	if err != nil {
		return nil, err
	}
	return &gzipWriter{Writer: z, pool: &g.writers}, nil
}

// gzipReader returns itself to the pool once it has read to the end.
type gzipReader struct {
	gzip.Reader
	pool *sync.Pool
	done bool
}

func (r *gzipReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	n, err := r.Reader.Read(p)
	if err == io.EOF {
		r.done = true
		r.pool.Put(r)
	}
	return n, err
}

func (g *gzipCompressor) Decompress(rd io.Reader) (io.Reader, error) {
	zr, ok := g.readers.Get().(*gzipReader)
	if !ok {
		zr = &gzipReader{pool: &g.readers}
	}
	if err := zr.Reader.Reset(rd); err != nil {
		g.readers.Put(zr)
		return nil, err
	}
	zr.done = false
	return zr, nil
}

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var appendWriters = sync.Pool{New: func() any { return new(appendWriter) }}
var byteReaders = sync.Pool{New: func() any { return new(bytes.Reader) }}

// compressAppend appends src compressed with c to dst.
func compressAppend(c Compressor, dst, src []byte) ([]byte, error) {
	aw := appendWriters.Get().(*appendWriter)
	aw.b = dst
	defer func() { aw.b = nil; appendWriters.Put(aw) }()
	w, err := c.Compress(aw)
	if err != nil {
		return dst, err
	}
	if _, err := w.Write(src); err != nil {
		w.Close()
		return aw.b, err
	}
	err = w.Close()
	return aw.b, err
}

// decompress returns src decompressed with c in a pooled buffer, failing
// with RESOURCE_EXHAUSTED as soon as the output passes max, so a small
// compressed message cannot make the receiver allocate without bound.
func decompress(c Compressor, src []byte, max int) (*[]byte, error) {
	br := byteReaders.Get().(*bytes.Reader)
	br.Reset(src)
	defer func() { br.Reset(nil); byteReaders.Put(br) }()
	r, err := c.Decompress(br)
	if err != nil {
		return nil, status.Error(codes.Internal, "grpc: failed to decompress the received message: "+err.Error())
	}
	bp := getBuf(min(max, 4*len(src)+512))
	b := *bp
	for {
		if len(b) == cap(b) {
			if len(b) > max {
				break
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = b
			putBuf(bp)
			return nil, status.Error(codes.Internal, "grpc: failed to decompress the received message: "+err.Error())
		}
	}
	*bp = b
	if len(b) > max {
		putBuf(bp)
		return nil, status.Error(codes.ResourceExhausted, "grpc: received message after decompression larger than max")
	}
	return bp, nil
}
