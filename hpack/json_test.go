package hpack

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON reader for the corpus stories. encoding/json works through
// reflection, which the race detector slows down several times, and the
// corpus is 38 MB: this keeps `go test -race` within seconds.
// TestStoryParser checks it against encoding/json.

type jsonValue struct {
	kind byte // 's'tring, 'n'umber, 'a'rray, 'o'bject, 'l'iteral
	str  string
	num  float64
	arr  []jsonValue
	obj  []jsonMember
}

type jsonMember struct {
	key string
	val jsonValue
}

func (v jsonValue) get(key string) (jsonValue, bool) {
	for _, m := range v.obj {
		if m.key == key {
			return m.val, true
		}
	}
	return jsonValue{}, false
}

type jsonParser struct {
	b []byte
	i int
}

var errJSON = errors.New("malformed JSON")

func parseJSON(b []byte) (v jsonValue, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errJSON
		}
	}()
	p := &jsonParser{b: b}
	v = p.value()
	p.ws()
	if p.i != len(b) {
		return v, errJSON
	}
	return v, nil
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\n', '\r', '\t':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) expect(c byte) {
	p.ws()
	if p.b[p.i] != c {
		panic(errJSON)
	}
	p.i++
}

func (p *jsonParser) value() jsonValue {
	p.ws()
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		v := jsonValue{kind: 'o'}
		if p.ws(); p.b[p.i] == '}' {
			p.i++
			return v
		}
		for {
			p.ws()
			k := p.string()
			p.expect(':')
			v.obj = append(v.obj, jsonMember{k, p.value()})
			if p.ws(); p.b[p.i] == ',' {
				p.i++
				continue
			}
			p.expect('}')
			return v
		}
	case c == '[':
		p.i++
		v := jsonValue{kind: 'a'}
		if p.ws(); p.b[p.i] == ']' {
			p.i++
			return v
		}
		for {
			v.arr = append(v.arr, p.value())
			if p.ws(); p.b[p.i] == ',' {
				p.i++
				continue
			}
			p.expect(']')
			return v
		}
	case c == '"':
		return jsonValue{kind: 's', str: p.string()}
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		for p.i < len(p.b) && (p.b[p.i] >= '0' && p.b[p.i] <= '9' || p.b[p.i] == '-' || p.b[p.i] == '+' || p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
			p.i++
		}
		f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
		if err != nil {
			panic(err)
		}
		return jsonValue{kind: 'n', num: f}
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
				p.i += len(lit)
				return jsonValue{kind: 'l', str: lit}
			}
		}
		panic(errJSON)
	}
}

func (p *jsonParser) string() string {
	if p.b[p.i] != '"' {
		panic(errJSON)
	}
	p.i++
	start := p.i
	for p.b[p.i] != '"' && p.b[p.i] != '\\' {
		p.i++
	}
	if p.b[p.i] == '"' {
		p.i++
		return string(p.b[start : p.i-1])
	}
	out := append([]byte(nil), p.b[start:p.i]...)
	for {
		c := p.b[p.i]
		p.i++
		switch {
		case c == '"':
			return string(out)
		case c != '\\':
			out = append(out, c)
			continue
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := p.hex4()
			if utf16.IsSurrogate(r) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
				p.i += 2
				r = utf16.DecodeRune(r, p.hex4())
			}
			out = utf8.AppendRune(out, r)
		default:
			panic(errJSON)
		}
	}
}

func (p *jsonParser) hex4() rune {
	v, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		panic(err)
	}
	p.i += 4
	return rune(v)
}
