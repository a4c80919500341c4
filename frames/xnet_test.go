package frames

// Differential tests against golang.org/x/net/http2.Framer, the codec most Go
// HTTP/2 peers use: on random valid frames of every type, in both directions
// (and byte for byte: both encoders produce the same octets), and on a table
// of invalid inputs, where RFC 9113 decides the outcome.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"testing"

	"golang.org/x/net/http2"
)

// spec is one logical frame, as written by either side.
type spec struct {
	typ       Type
	flags     Flags // unknown types only
	stream    uint32
	endStream bool
	ack       bool
	data      []byte // DATA data, header block, GOAWAY debug, unknown payload
	padded    bool
	pad       uint8
	hasPrio   bool
	prio      PriorityParam
	code      ErrCode
	last      uint32
	incr      uint32
	promise   uint32
	settings  []Setting
	ping      [8]byte
	maxFrame  uint32 // where header blocks are split
}

// view is what a reader saw of one logical frame, comparable with ==.
type view struct {
	typ      Type
	flags    Flags
	stream   uint32
	data     string
	pad      uint8
	prio     PriorityParam
	code     ErrCode
	last     uint32
	incr     uint32
	promise  uint32
	settings string
	ping     [8]byte
}

// definedFlags are the flags a frame type defines (RFC 9113 §6). END_HEADERS
// is left out: where a block is split is an encoder's choice, and we
// report whole blocks.
func definedFlags(t Type) Flags {
	switch t {
	case FrameData:
		return FlagEndStream | FlagPadded
	case FrameHeaders:
		return FlagEndStream | FlagPadded | FlagPriority
	case FramePushPromise:
		return FlagPadded
	case FrameSettings, FramePing:
		return FlagAck
	case FramePriority, FrameRSTStream, FrameGoAway, FrameWindowUpdate:
		return 0
	}
	return 0xff
}

func (s *spec) want() view {
	v := view{typ: s.typ, stream: s.stream, pad: s.pad, code: s.code, last: s.last, incr: s.incr, promise: s.promise, ping: s.ping}
	switch s.typ {
	case FrameData, FrameHeaders, FramePushPromise, FrameGoAway:
		v.data = string(s.data)
	case FramePriority:
		v.prio = s.prio
	case FrameSettings:
		v.settings = fmt.Sprint(s.settings)
	default:
		if s.typ > FrameContinuation {
			v.data = string(s.data)
			v.flags = s.flags
		}
	}
	if s.endStream {
		v.flags |= FlagEndStream
	}
	if s.ack {
		v.flags |= FlagAck
	}
	if s.padded {
		v.flags |= FlagPadded
	}
	if s.hasPrio {
		v.flags |= FlagPriority
		v.prio = s.prio
	}
	return v
}

func ourView(f *Frame) view {
	v := view{typ: f.Type, flags: f.Flags & definedFlags(f.Type), stream: f.StreamID, data: string(f.Data),
		pad: f.PadLength, prio: f.Priority, code: f.ErrCode, last: f.LastStreamID, incr: f.Increment, promise: f.PromiseID}
	switch f.Type {
	case FrameSettings:
		var ss []Setting
		for i := 0; i < f.NumSettings(); i++ {
			ss = append(ss, f.Setting(i))
		}
		v.settings = fmt.Sprint(ss)
	case FramePing:
		v.ping, v.data = f.PingData(), ""
	}
	return v
}

// xnetView reads one logical frame with x/net, following CONTINUATION
// frames as a connection would.
func xnetView(fr *http2.Framer) (view, error) {
	f, err := fr.ReadFrame()
	if err != nil {
		return view{}, err
	}
	h := f.Header()
	v := view{typ: Type(h.Type), flags: Flags(h.Flags) & definedFlags(Type(h.Type)), stream: h.StreamID}
	padOf := func(used int) uint8 {
		if h.Flags.Has(http2.FlagDataPadded) {
			return uint8(int(h.Length) - used - 1)
		}
		return 0
	}
	var more bool
	switch f := f.(type) {
	case *http2.DataFrame:
		v.data = string(f.Data())
		v.pad = padOf(len(f.Data()))
	case *http2.HeadersFrame:
		v.data = string(f.HeaderBlockFragment())
		used := len(v.data)
		if f.HasPriority() {
			v.prio = PriorityParam(PriorityParam{StreamDep: f.Priority.StreamDep, Exclusive: f.Priority.Exclusive, Weight: f.Priority.Weight})
			used += 5
		}
		v.pad = padOf(used)
		more = !f.HeadersEnded()
	case *http2.PushPromiseFrame:
		v.data = string(f.HeaderBlockFragment())
		v.promise = f.PromiseID
		v.pad = padOf(len(v.data) + 4)
		more = !f.HeadersEnded()
	case *http2.PriorityFrame:
		v.prio = PriorityParam{StreamDep: f.StreamDep, Exclusive: f.Exclusive, Weight: f.Weight}
	case *http2.RSTStreamFrame:
		v.code = ErrCode(f.ErrCode)
	case *http2.SettingsFrame:
		var ss []Setting
		f.ForeachSetting(func(s http2.Setting) error {
			ss = append(ss, Setting{SettingID(s.ID), s.Val})
			return nil
		})
		v.settings = fmt.Sprint(ss)
		// x/net leaves most value checks to its connection code, which
		// calls Setting.Valid; count those in as x/net's verdict.
		if err := f.ForeachSetting(func(s http2.Setting) error { return s.Valid() }); err != nil {
			return v, err
		}
	case *http2.PingFrame:
		v.ping = f.Data
	case *http2.GoAwayFrame:
		v.last, v.code, v.data = f.LastStreamID, ErrCode(f.ErrCode), string(f.DebugData())
	case *http2.WindowUpdateFrame:
		v.incr = f.Increment
	case *http2.UnknownFrame:
		v.data = string(f.Payload())
	default:
		return v, fmt.Errorf("unexpected x/net frame %T", f)
	}
	for more {
		f, err := fr.ReadFrame()
		if err != nil {
			return v, err
		}
		c, ok := f.(*http2.ContinuationFrame)
		if !ok {
			// x/net's Framer tracks only HEADERS blocks, so after a
			// PUSH_PROMISE it lets any frame through.
			return v, errXnetInterleaved
		}
		v.data += string(c.HeaderBlockFragment())
		more = !c.HeadersEnded()
	}
	return v, nil
}

// randSpec returns a random valid frame of type t that both encoders can
// express (x/net cannot send PADDED with no padding in HEADERS or
// PUSH_PROMISE, nor a zero PRIORITY in HEADERS).
func randSpec(rng *rand.Rand, t Type) *spec {
	s := &spec{typ: t, stream: 1 + uint32(rng.Int63n(1<<31-1)), maxFrame: DefaultMaxFrameSize}
	bytesN := func(limit int) []byte {
		n := rng.Intn(64)
		if rng.Intn(3) == 0 {
			n = rng.Intn(limit + 1)
		}
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	randPrio := func() PriorityParam {
		p := PriorityParam{StreamDep: uint32(rng.Int63n(1 << 31)), Exclusive: rng.Intn(2) == 0, Weight: uint8(rng.Intn(256))}
		if p.StreamDep == s.stream || p == (PriorityParam{}) {
			p.StreamDep = (s.stream + 1) & streamIDMask
		}
		return p
	}
	switch t {
	case FrameData:
		s.endStream = rng.Intn(2) == 0
		s.padded = rng.Intn(2) == 0
		if s.padded {
			s.pad = uint8(rng.Intn(256))
			s.data = bytesN(DefaultMaxFrameSize - 1 - int(s.pad))
		} else {
			s.data = bytesN(DefaultMaxFrameSize)
		}
	case FrameHeaders, FramePushPromise:
		if t == FrameHeaders {
			s.endStream = rng.Intn(2) == 0
			if s.hasPrio = rng.Intn(2) == 0; s.hasPrio {
				s.prio = randPrio()
			}
		} else {
			s.promise = 1 + uint32(rng.Int63n(1<<31-1))
		}
		if s.padded = rng.Intn(2) == 0; s.padded {
			s.pad = 1 + uint8(rng.Intn(255))
		}
		// Force CONTINUATION frames, except after PUSH_PROMISE: x/net's
		// Framer rejects those (see TestDifferentialInvalid).
		if t == FrameHeaders && rng.Intn(2) == 0 {
			s.maxFrame = 1000 + uint32(rng.Intn(4000))
		}
		if t == FrameHeaders {
			s.data = bytesN(3 * DefaultMaxFrameSize)
		} else {
			s.data = bytesN(DefaultMaxFrameSize - 5 - int(s.pad))
		}
	case FramePriority:
		s.prio = randPrio()
	case FrameRSTStream:
		s.code = ErrCode(rng.Intn(16))
		if rng.Intn(8) == 0 {
			s.code = ErrCode(rng.Uint32())
		}
	case FrameSettings:
		s.stream = 0
		if s.ack = rng.Intn(4) == 0; !s.ack {
			for n := rng.Intn(12); n > 0; n-- {
				s.settings = append(s.settings, randSetting(rng))
			}
		}
	case FramePing:
		s.stream = 0
		s.ack = rng.Intn(2) == 0
		rng.Read(s.ping[:])
	case FrameGoAway:
		s.stream = 0
		s.last = uint32(rng.Int63n(1 << 31))
		s.code = ErrCode(rng.Intn(16))
		s.data = bytesN(200)
	case FrameWindowUpdate:
		if rng.Intn(3) == 0 {
			s.stream = 0
		}
		s.incr = 1 + uint32(rng.Int63n(1<<31-1))
	default:
		if rng.Intn(2) == 0 {
			s.stream = 0
		}
		s.flags = Flags(rng.Intn(256))
		s.data = bytesN(DefaultMaxFrameSize)
	}
	return s
}

func randSetting(rng *rand.Rand) Setting {
	id := SettingID(1 + rng.Intn(9))
	if rng.Intn(8) == 0 {
		id = SettingID(rng.Intn(1 << 16))
	}
	s := Setting{ID: id, Val: rng.Uint32()}
	switch id {
	case SettingEnablePush, SettingEnableConnectProtocol, SettingNoRFC7540Priorities:
		s.Val %= 2
	case SettingInitialWindowSize:
		s.Val &= 1<<31 - 1
	case SettingMaxFrameSize:
		s.Val = DefaultMaxFrameSize + s.Val%(MaxFrameSizeLimit-DefaultMaxFrameSize+1)
	}
	return s
}

func (s *spec) appendOurs(dst []byte) []byte {
	switch s.typ {
	case FrameData:
		if s.padded {
			return AppendDataPadded(dst, s.stream, s.endStream, s.data, s.pad)
		}
		return AppendData(dst, s.stream, s.endStream, s.data)
	case FrameHeaders:
		return AppendHeadersParam(dst, &HeadersParam{StreamID: s.stream, EndStream: s.endStream, Block: s.data,
			MaxFrameSize: s.maxFrame, Padded: s.padded, PadLength: s.pad, HasPriority: s.hasPrio, Priority: s.prio})
	case FramePushPromise:
		if s.padded {
			return AppendPushPromisePadded(dst, s.stream, s.promise, s.data, s.pad, s.maxFrame)
		}
		return AppendPushPromise(dst, s.stream, s.promise, s.data, s.maxFrame)
	case FramePriority:
		return AppendPriority(dst, s.stream, s.prio)
	case FrameRSTStream:
		return AppendRSTStream(dst, s.stream, s.code)
	case FrameSettings:
		if s.ack {
			return AppendSettingsAck(dst)
		}
		return AppendSettings(dst, s.settings...)
	case FramePing:
		return AppendPing(dst, s.ack, s.ping)
	case FrameGoAway:
		return AppendGoAway(dst, s.last, s.code, s.data)
	case FrameWindowUpdate:
		return AppendWindowUpdate(dst, s.stream, s.incr)
	}
	return rawFrameAppend(dst, s.typ, s.flags, s.stream, s.data)
}

// writeXnet writes s with x/net's Framer, splitting header blocks where we
// do: each frame carries as much of the block as maxFrame allows.
func (s *spec) writeXnet(fr *http2.Framer) error {
	xprio := http2.PriorityParam{StreamDep: s.prio.StreamDep, Exclusive: s.prio.Exclusive, Weight: s.prio.Weight}
	switch s.typ {
	case FrameData:
		var pad []byte
		if s.padded {
			pad = make([]byte, s.pad)
		}
		return fr.WriteDataPadded(s.stream, s.endStream, s.data, pad)
	case FrameHeaders, FramePushPromise:
		overhead := 0
		if s.padded {
			overhead += 1 + int(s.pad)
		}
		if s.hasPrio {
			overhead += 5
		}
		if s.typ == FramePushPromise {
			overhead += 4
		}
		first := s.data[:min(len(s.data), int(s.maxFrame)-overhead)]
		rest := s.data[len(first):]
		var err error
		if s.typ == FrameHeaders {
			p := http2.HeadersFrameParam{StreamID: s.stream, BlockFragment: first, EndStream: s.endStream,
				EndHeaders: len(rest) == 0, PadLength: s.pad}
			if s.hasPrio {
				p.Priority = xprio
			}
			err = fr.WriteHeaders(p)
		} else {
			err = fr.WritePushPromise(http2.PushPromiseParam{StreamID: s.stream, PromiseID: s.promise,
				BlockFragment: first, EndHeaders: len(rest) == 0, PadLength: s.pad})
		}
		for err == nil && len(rest) > 0 {
			n := min(len(rest), int(s.maxFrame))
			err = fr.WriteContinuation(s.stream, n == len(rest), rest[:n])
			rest = rest[n:]
		}
		return err
	case FramePriority:
		return fr.WritePriority(s.stream, xprio)
	case FrameRSTStream:
		return fr.WriteRSTStream(s.stream, http2.ErrCode(s.code))
	case FrameSettings:
		if s.ack {
			return fr.WriteSettingsAck()
		}
		var xs []http2.Setting
		for _, st := range s.settings {
			xs = append(xs, http2.Setting{ID: http2.SettingID(st.ID), Val: st.Val})
		}
		return fr.WriteSettings(xs...)
	case FramePing:
		return fr.WritePing(s.ack, s.ping)
	case FrameGoAway:
		return fr.WriteGoAway(s.last, http2.ErrCode(s.code), s.data)
	case FrameWindowUpdate:
		return fr.WriteWindowUpdate(s.stream, s.incr)
	}
	return fr.WriteRawFrame(http2.FrameType(s.typ), http2.Flags(s.flags), s.stream, s.data)
}

var diffTypes = []Type{FrameData, FrameHeaders, FramePriority, FrameRSTStream, FrameSettings, FramePushPromise,
	FramePing, FrameGoAway, FrameWindowUpdate, 0x0a, 0x42, 0xff} // 0x10 is x/net's PRIORITY_UPDATE, unknown to us

func TestDifferentialValid(t *testing.T) {
	const perType = 150
	rng := rand.New(rand.NewSource(9113))
	for _, typ := range diffTypes {
		t.Run(typ.String(), func(t *testing.T) {
			var specs []*spec
			var ours []byte
			var theirs bytes.Buffer
			xw := http2.NewFramer(&theirs, nil)
			for i := 0; i < perType; i++ {
				s := randSpec(rng, typ)
				specs = append(specs, s)
				n := len(ours)
				ours = s.appendOurs(ours)
				m := theirs.Len()
				if err := s.writeXnet(xw); err != nil {
					t.Fatalf("x/net write %+v: %v", s, err)
				}
				if !bytes.Equal(ours[n:], theirs.Bytes()[m:]) {
					t.Fatalf("encodings differ for %+v:\n ours %x\nx/net %x", s, ours[n:], theirs.Bytes()[m:])
				}
			}
			// We write, x/net reads.
			xr := http2.NewFramer(nil, bytes.NewReader(ours))
			for i, s := range specs {
				v, err := xnetView(xr)
				if err != nil {
					t.Fatalf("x/net read #%d: %v", i, err)
				}
				if v != s.want() {
					t.Fatalf("x/net read #%d:\n got %+v\nwant %+v", i, v, s.want())
				}
			}
			// x/net writes, we read.
			r := NewReader(bytes.NewReader(theirs.Bytes()))
			for i, s := range specs {
				f, err := r.ReadFrame()
				if err != nil {
					t.Fatalf("our read #%d: %v", i, err)
				}
				if v := ourView(f); v != s.want() {
					t.Fatalf("our read #%d:\n got %+v\nwant %+v", i, v, s.want())
				}
			}
			if _, err := r.ReadFrame(); err != io.EOF {
				t.Fatalf("trailing: %v", err)
			}
		})
	}
}

// outcome is a reader's verdict on an input.
type outcome struct {
	kind string // "ok", "conn", "stream", or "fatal" (a non-HTTP/2 error that ends the connection)
	code ErrCode
}

func (o outcome) String() string {
	if o.kind == "conn" || o.kind == "stream" {
		return o.kind + " " + o.code.String()
	}
	return o.kind
}

var (
	accept = outcome{kind: "ok"}
	fatal  = outcome{kind: "fatal"}
)

func connO(c ErrCode) outcome   { return outcome{"conn", c} }
func streamO(c ErrCode) outcome { return outcome{"stream", c} }

func ourOutcome(b []byte) outcome {
	r := NewReader(bytes.NewReader(b))
	for {
		_, err := r.ReadFrame()
		var ce *ConnError
		var se *StreamError
		switch {
		case err == io.EOF:
			return accept
		case errors.As(err, &ce):
			return connO(ce.Code)
		case errors.As(err, &se):
			return streamO(se.Code)
		case err != nil:
			return fatal
		}
	}
}

func xnetOutcome(b []byte) outcome {
	fr := http2.NewFramer(nil, bytes.NewReader(b))
	fr.SetMaxReadFrameSize(DefaultMaxFrameSize)
	for {
		_, err := xnetView(fr)
		var ce http2.ConnectionError
		var se http2.StreamError
		switch {
		case err == io.EOF:
			return accept
		case errors.As(err, &ce):
			return connO(ErrCode(ce))
		case errors.As(err, &se):
			return streamO(ErrCode(se.Code))
		case errors.Is(err, http2.ErrFrameTooLarge):
			return connO(ErrCodeFrameSize)
		case err == errXnetInterleaved:
			return accept
		case err != nil:
			return fatal
		}
	}
}

// errXnetInterleaved is x/net accepting a frame inside a PUSH_PROMISE block.
var errXnetInterleaved = errors.New("x/net accepted a frame inside a header block")

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// TestDifferentialInvalid feeds both readers inputs that break (or nearly
// break) a rule of RFC 9113 §4–6. want is the RFC's verdict, which is ours;
// xnet, when set, is x/net's different verdict, and why is the reason.
func TestDifferentialInvalid(t *testing.T) {
	hdrOpen := rawFrame(FrameHeaders, 0, 1, 0x82)
	for _, c := range []struct {
		name string
		in   []byte
		want outcome
		xnet *outcome
		why  string
	}{
		{name: "frame over SETTINGS_MAX_FRAME_SIZE", in: AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize+1)), want: connO(ErrCodeFrameSize)},
		{name: "frame at SETTINGS_MAX_FRAME_SIZE", in: AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize)), want: accept},
		{name: "reserved bit in stream ID", in: rawFrame(FrameData, 0, 1<<31|1), want: accept},
		{name: "unknown type on stream 0 with flags", in: rawFrame(0x20, 0xff, 0, 1, 2), want: accept},
		{name: "undefined flags", in: rawFrame(FramePing, 0xfe, 0, make([]byte, 8)...), want: accept},

		{name: "DATA stream 0", in: rawFrame(FrameData, 0, 0, 1), want: connO(ErrCodeProtocol)},
		{name: "DATA pad = length", in: rawFrame(FrameData, FlagPadded, 1, 2, 0), want: connO(ErrCodeProtocol)},
		{name: "DATA pad = length-1", in: rawFrame(FrameData, FlagPadded, 1, 1, 0), want: accept},
		{name: "DATA PADDED without Pad Length", in: rawFrame(FrameData, FlagPadded, 1), want: connO(ErrCodeFrameSize),
			xnet: &fatal, why: "x/net returns io.ErrUnexpectedEOF; RFC 9113 §4.2 names FRAME_SIZE_ERROR for frames too short for mandatory fields"},

		{name: "HEADERS stream 0", in: rawFrame(FrameHeaders, FlagEndHeaders, 0, 0x82), want: connO(ErrCodeProtocol)},
		{name: "HEADERS pad too long", in: rawFrame(FrameHeaders, FlagEndHeaders|FlagPadded, 1, 2, 0x82), want: connO(ErrCodeProtocol),
			xnet: &outcome{"stream", ErrCodeProtocol}, why: "RFC 9113 §6.2 leaves the kind open; a block that cannot be decoded desynchronizes HPACK for the connection (§4.3), so we make it a connection error"},
		{name: "HEADERS PRIORITY fields cut", in: rawFrame(FrameHeaders, FlagEndHeaders|FlagPriority, 1, 0, 0, 0), want: connO(ErrCodeFrameSize),
			xnet: &fatal, why: "x/net returns io.ErrUnexpectedEOF; RFC 9113 §4.2 makes a short frame carrying a field block a connection FRAME_SIZE_ERROR"},
		{name: "HEADERS depends on itself", in: AppendHeadersParam(nil, &HeadersParam{StreamID: 3, Block: []byte{0x82}, HasPriority: true, Priority: PriorityParam{StreamDep: 3}}),
			want: streamO(ErrCodeProtocol), xnet: &accept, why: "x/net checks self-dependency in its server, not in the Framer (RFC 9113 §5.3.1)"},

		{name: "PRIORITY stream 0", in: rawFrame(FramePriority, 0, 0, 0, 0, 0, 1, 0), want: connO(ErrCodeProtocol)},
		{name: "PRIORITY length 4", in: rawFrame(FramePriority, 0, 1, 0, 0, 0, 3), want: streamO(ErrCodeFrameSize),
			xnet: &outcome{"conn", ErrCodeFrameSize}, why: "RFC 9113 §6.3 makes it a stream error; x/net closes the connection"},
		{name: "PRIORITY depends on itself", in: AppendPriority(nil, 3, PriorityParam{StreamDep: 3}), want: streamO(ErrCodeProtocol),
			xnet: &accept, why: "x/net checks self-dependency in its server, not in the Framer (RFC 9113 §5.3.1)"},

		{name: "RST_STREAM stream 0", in: rawFrame(FrameRSTStream, 0, 0, 0, 0, 0, 8), want: connO(ErrCodeProtocol)},
		{name: "RST_STREAM length 3", in: rawFrame(FrameRSTStream, 0, 1, 0, 0, 8), want: connO(ErrCodeFrameSize)},
		{name: "RST_STREAM length 5", in: rawFrame(FrameRSTStream, 0, 1, 0, 0, 0, 0, 8), want: connO(ErrCodeFrameSize)},

		{name: "SETTINGS on a stream", in: rawFrame(FrameSettings, 0, 1), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS ACK with payload", in: rawFrame(FrameSettings, FlagAck, 0, 0, 1, 0, 0, 0, 0), want: connO(ErrCodeFrameSize)},
		{name: "SETTINGS length 5", in: rawFrame(FrameSettings, 0, 0, 0, 1, 0, 0, 0), want: connO(ErrCodeFrameSize)},
		{name: "SETTINGS ENABLE_PUSH 2", in: AppendSettings(nil, Setting{SettingEnablePush, 2}), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS INITIAL_WINDOW_SIZE 2^31", in: AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 31}), want: connO(ErrCodeFlowControl)},
		{name: "SETTINGS INITIAL_WINDOW_SIZE 2^31-1", in: AppendSettings(nil, Setting{SettingInitialWindowSize, 1<<31 - 1}), want: accept},
		{name: "SETTINGS MAX_FRAME_SIZE 2^14-1", in: AppendSettings(nil, Setting{SettingMaxFrameSize, 1<<14 - 1}), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS MAX_FRAME_SIZE 2^24", in: AppendSettings(nil, Setting{SettingMaxFrameSize, 1 << 24}), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS ENABLE_CONNECT_PROTOCOL 2", in: AppendSettings(nil, Setting{SettingEnableConnectProtocol, 2}), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS NO_RFC7540_PRIORITIES 2", in: AppendSettings(nil, Setting{SettingNoRFC7540Priorities, 2}), want: connO(ErrCodeProtocol),
			xnet: &accept, why: "RFC 9218 §2.1 makes values other than 0 and 1 a PROTOCOL_ERROR; x/net's Setting.Valid does not check it"},
		{name: "SETTINGS unknown ID any value", in: AppendSettings(nil, Setting{0xf00d, 1<<32 - 1}), want: accept},

		{name: "PUSH_PROMISE stream 0", in: rawFrame(FramePushPromise, FlagEndHeaders, 0, 0, 0, 0, 2), want: connO(ErrCodeProtocol)},
		{name: "PUSH_PROMISE short", in: rawFrame(FramePushPromise, FlagEndHeaders, 1, 0, 0, 2), want: connO(ErrCodeFrameSize),
			xnet: &fatal, why: "x/net returns io.ErrUnexpectedEOF; RFC 9113 §4.2 makes a short frame carrying a field block a connection FRAME_SIZE_ERROR"},
		{name: "PUSH_PROMISE pad too long", in: rawFrame(FramePushPromise, FlagEndHeaders|FlagPadded, 1, 1, 0, 0, 0, 2), want: connO(ErrCodeProtocol)},
		{name: "PUSH_PROMISE promises stream 0", in: rawFrame(FramePushPromise, FlagEndHeaders, 1, 0, 0, 0, 0), want: connO(ErrCodeProtocol),
			xnet: &accept, why: "stream 0 is never a legal promised stream (RFC 9113 §5.1.1, §6.6); x/net leaves stream checks to its client"},

		{name: "PING on a stream", in: rawFrame(FramePing, 0, 1, make([]byte, 8)...), want: connO(ErrCodeProtocol)},
		{name: "PING length 7", in: rawFrame(FramePing, 0, 0, make([]byte, 7)...), want: connO(ErrCodeFrameSize)},
		{name: "PING length 9", in: rawFrame(FramePing, 0, 0, make([]byte, 9)...), want: connO(ErrCodeFrameSize)},

		{name: "GOAWAY on a stream", in: rawFrame(FrameGoAway, 0, 1, make([]byte, 8)...), want: connO(ErrCodeProtocol)},
		{name: "GOAWAY length 7", in: rawFrame(FrameGoAway, 0, 0, make([]byte, 7)...), want: connO(ErrCodeFrameSize)},

		{name: "WINDOW_UPDATE length 3", in: rawFrame(FrameWindowUpdate, 0, 1, 0, 0, 1), want: connO(ErrCodeFrameSize)},
		{name: "WINDOW_UPDATE length 5", in: rawFrame(FrameWindowUpdate, 0, 0, 0, 0, 0, 1, 0), want: connO(ErrCodeFrameSize)},
		{name: "WINDOW_UPDATE 0 on connection", in: AppendWindowUpdate(nil, 0, 0), want: connO(ErrCodeProtocol)},
		{name: "WINDOW_UPDATE 0 on stream", in: AppendWindowUpdate(nil, 1, 0), want: streamO(ErrCodeProtocol)},
		{name: "WINDOW_UPDATE reserved bit only", in: rawFrame(FrameWindowUpdate, 0, 1, 0x80, 0, 0, 0), want: streamO(ErrCodeProtocol)},
		{name: "WINDOW_UPDATE reserved bit ignored", in: rawFrame(FrameWindowUpdate, 0, 1, 0x80, 0, 0, 1), want: accept},

		{name: "CONTINUATION alone", in: rawFrame(FrameContinuation, FlagEndHeaders, 1, 0x82), want: connO(ErrCodeProtocol)},
		{name: "CONTINUATION stream 0", in: rawFrame(FrameContinuation, FlagEndHeaders, 0, 0x82), want: connO(ErrCodeProtocol)},
		{name: "CONTINUATION after END_HEADERS", in: cat(AppendHeaders(nil, 1, false, []byte{0x82}, 0), rawFrame(FrameContinuation, FlagEndHeaders, 1)), want: connO(ErrCodeProtocol)},
		{name: "CONTINUATION on another stream", in: cat(hdrOpen, rawFrame(FrameContinuation, FlagEndHeaders, 3)), want: connO(ErrCodeProtocol)},
		{name: "CONTINUATION on stream 0 in block", in: cat(hdrOpen, rawFrame(FrameContinuation, FlagEndHeaders, 0)), want: connO(ErrCodeProtocol)},
		{name: "DATA inside header block", in: cat(hdrOpen, rawFrame(FrameData, 0, 1)), want: connO(ErrCodeProtocol)},
		{name: "SETTINGS inside header block", in: cat(hdrOpen, AppendSettingsAck(nil)), want: connO(ErrCodeProtocol)},
		{name: "unknown frame inside header block", in: cat(hdrOpen, rawFrame(0x42, 0, 1)), want: connO(ErrCodeProtocol)},
		{name: "PUSH_PROMISE block then HEADERS", in: cat(rawFrame(FramePushPromise, 0, 1, 0, 0, 0, 2), rawFrame(FrameHeaders, FlagEndHeaders, 1)), want: connO(ErrCodeProtocol),
			xnet: &accept, why: "x/net's Framer checks frame order after HEADERS only, not after PUSH_PROMISE (RFC 9113 §6.10 covers both)"},
		{name: "PUSH_PROMISE block with CONTINUATION", in: cat(rawFrame(FramePushPromise, 0, 1, 0, 0, 0, 2), rawFrame(FrameContinuation, FlagEndHeaders, 1, 0x82)), want: accept,
			xnet: &outcome{"conn", ErrCodeProtocol}, why: "x/net's Framer checks frame order after HEADERS only, so it takes the CONTINUATION of a PUSH_PROMISE for an unexpected one"},
		{name: "block in three frames", in: cat(hdrOpen, rawFrame(FrameContinuation, 0, 1, 0x84), rawFrame(FrameContinuation, FlagEndHeaders, 1)), want: accept},
		{name: "block cut by EOF", in: hdrOpen, want: fatal,
			xnet: &accept, why: "x/net reports a plain io.EOF when the stream ends inside a header block; we say io.ErrUnexpectedEOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ourOutcome(c.in); got != c.want {
				t.Errorf("ours: %v, want %v", got, c.want)
			}
			wantX := c.want
			if c.xnet != nil {
				wantX = *c.xnet
			}
			if got := xnetOutcome(c.in); got != wantX {
				t.Errorf("x/net: %v, want %v (%s)", got, wantX, c.why)
			}
		})
	}
}
