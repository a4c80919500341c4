package frames

import "io"

// ClientPreface is the connection preface a client sends before its first
// SETTINGS frame (RFC 9113 §3.4).
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// ReadClientPreface reads the client connection preface from src. A
// mismatch is a *ConnError PROTOCOL_ERROR (RFC 9113 §3.4); a short stream
// gives io.EOF or io.ErrUnexpectedEOF.
func ReadClientPreface(src io.Reader) error {
	var b [len(ClientPreface)]byte
	if _, err := io.ReadFull(src, b[:]); err != nil {
		return err
	}
	if string(b[:]) != ClientPreface {
		return errBadPreface
	}
	return nil
}

// ReadClientPreface reads the client connection preface through r's buffer,
// so that the frames that follow it in the same read are not lost. Use it
// instead of the function when the Reader is already reading the
// connection.
func (r *Reader) ReadClientPreface() error {
	if r.fatal != nil {
		return r.fatal
	}
	if err := r.fill(len(ClientPreface)); err != nil {
		return r.srcError(err, r.wpos > r.rpos)
	}
	if string(r.buf[r.rpos:r.rpos+len(ClientPreface)]) != ClientPreface {
		return r.fail(errBadPreface)
	}
	r.rpos += len(ClientPreface)
	return nil
}
