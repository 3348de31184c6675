//go:build cgo

package tccall

// The typed methods' JSON without reflection: requests appended by hand, byte for byte what
// encoding/json writes for them, and the hot results read by a small scanner of the
// library's output. Anything the scanner does not expect (an escaped key, a number in a
// string field, ...) makes the caller fall back to encoding/json, so behaviour never
// depends on it; it only makes the usual case cheap.

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// jsonAppender is a request that appends its JSON text itself.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// jsonDecoder is a result that reads the library's JSON text itself; false means "use
// encoding/json" (the value is then reset and decoded again).
type jsonDecoder interface {
	decodeJSON(b []byte) bool
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json.Marshal writes it: HTML
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendKey appends `,"key":` (no comma for the first member, after '{').
func appendKey(dst []byte, key string) []byte {
	if dst[len(dst)-1] != '{' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// maxHandDepth is how deeply nested maps are written by hand; deeper ones go through
// encoding/json, which reports a map that contains itself as an error instead of recursing
// until the stack overflows.
const maxHandDepth = 16

// appendValue appends v as encoding/json.Marshal would: the common scalars and maps of them
// by hand, anything else through encoding/json.
func appendValue(dst []byte, v any) ([]byte, error) {
	return appendValueAt(dst, v, 0)
}

func appendValueAt(dst []byte, v any, depth int) ([]byte, error) {
	if _, isMap := v.(map[string]any); isMap && depth >= maxHandDepth {
		b, err := json.Marshal(v)
		return append(dst, b...), err
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case map[string]any:
		return appendObject(dst, v, func(d []byte, x any) ([]byte, error) { return appendValueAt(d, x, depth+1) })
	case map[string]string:
		return appendObject(dst, v, func(d []byte, x string) ([]byte, error) { return appendString(d, x), nil })
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// appendObject appends m as encoding/json does (keys sorted), each value by value.
func appendObject[V any](dst []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = value(append(appendString(dst, k), ':'), m[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// --- reading the library's output --------------------------------------------------------

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i] ('"'), and whether it
// holds a backslash; -1 when it does not end. (A raw control character, which JSON does not
// allow and the library never writes, is found only in a string with escapes.)
func stringEnd(b []byte, i int) (int, bool) {
	i++
	q := bytes.IndexByte(b[i:], '"')
	if q < 0 {
		return -1, false
	}
	if bytes.IndexByte(b[i:i+q], '\\') < 0 {
		return i + q + 1, false
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1, true
		case '\\':
			i++
		}
	}
	return -1, false
}

// valueEnd returns the index after the JSON value starting at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, _ := stringEnd(b, i)
				if end < 0 {
					return -1
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	start := i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// eachMember calls f with the key and the raw value of each member of the JSON object b,
// in order, until f returns false. It returns false when b is not an object it reads (or a
// key has an escape, or f returned false): the caller then falls back to encoding/json.
func eachMember(b []byte, f func(key string, val []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end, escaped := stringEnd(b, i)
		if end < 0 || escaped {
			return false
		}
		key := unsafe.String(&b[i+1], end-i-2) // only compared, never kept
		if end-i-2 == 0 {
			key = ""
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 || !f(key, b[i:vend]) {
			return false
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// cutPlainString reads, at the start of b, prefix (text ending in a string's opening
// quote) and the rest of that string; it returns the string's body, which has no escape,
// and what follows its closing quote. false when b does not start so.
func cutPlainString(b []byte, prefix string) (body, rest []byte, ok bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return nil, nil, false
	}
	b = b[len(prefix):]
	end := bytes.IndexByte(b, '"')
	if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
		return nil, nil, false
	}
	return b[:end], b[end+1:], true
}

// cutInt reads, at the start of b, prefix and a JSON integer of at most 18 digits; it
// returns the integer and what follows it. false when b does not start so.
func cutInt(b []byte, prefix string) (n int64, rest []byte, ok bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0, nil, false
	}
	b = b[len(prefix):]
	neg := len(b) > 0 && b[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	start := i
	for ; i < len(b) && '0' <= b[i] && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if digits := i - start; digits == 0 || digits > 18 || digits > 1 && b[start] == '0' {
		return 0, nil, false
	}
	if neg {
		n = -n
	}
	return n, b[i:], true
}

// readString sets *dst to the JSON string v (a copy); null leaves it alone, as
// encoding/json does. false for anything else.
func readString(v []byte, dst *string) bool {
	if string(v) == "null" {
		return true
	}
	if len(v) < 2 || v[0] != '"' {
		return false
	}
	if end, escaped := stringEnd(v, 0); end != len(v) {
		return false
	} else if escaped {
		return unescape(v[1:len(v)-1], dst)
	}
	*dst = string(v[1 : len(v)-1])
	return true
}

// readInt sets *dst to the JSON integer v; null leaves it alone. false for anything else
// (a fraction or an exponent too: encoding/json then decides).
func readInt(v []byte, dst *int64) bool {
	if string(v) == "null" {
		return true
	}
	n, err := strconv.ParseInt(unsafe.String(&v[0], len(v)), 10, 64)
	if err != nil || v[0] == '+' {
		return false
	}
	*dst = n
	return true
}

// readBool sets *dst to the JSON boolean v; null leaves it alone.
func readBool(v []byte, dst *bool) bool {
	switch string(v) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	case "null":
	default:
		return false
	}
	return true
}

// unescape sets *dst to the body of a JSON string with escapes, decoded as encoding/json
// does (an unpaired surrogate becomes U+FFFD); false for a malformed one.
func unescape(s []byte, dst *string) bool {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if c < 0x20 {
				return false
			}
			out = append(out, c)
			continue
		}
		if i++; i >= len(s) {
			return false
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
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
			r := hex4(s[i+1:])
			if r < 0 {
				return false
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2 = hex4(s[i+3:])
				}
				if dec := utf16.DecodeRune(r, r2); r2 >= 0 && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return false
		}
	}
	*dst = string(out)
	return true
}

// hex4 is the value of the 4 hex digits at the start of s, or -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// doc is a JSON text with one string copy of it, so that the strings read from it are
// substrings of that copy: one allocation for all of them instead of one each.
type doc struct {
	b   []byte
	src string
}

func newDoc(b []byte) doc { return doc{b, string(b)} }

// readString is readString for v, a subslice of d.b.
func (d doc) readString(v []byte, dst *string) bool {
	if len(v) >= 2 && v[0] == '"' {
		if end, escaped := stringEnd(v, 0); end == len(v) && !escaped {
			i := cap(d.b) - cap(v) // v's offset in d.b
			*dst = d.src[i+1 : i+len(v)-1]
			return true
		}
	}
	return readString(v, dst)
}

// internedHeaders are the header names of the signed requests, kept without a copy.
var internedHeaders = map[string]string{}

func init() {
	for _, h := range []string{"Authorization", "Content-Type", "Host", "X-TC-Action", "X-TC-Language", "X-TC-Region",
		"X-TC-RequestClient", "X-TC-Timestamp", "X-TC-Token", "X-TC-Version"} {
		internedHeaders[h] = h
	}
}
