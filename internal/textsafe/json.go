package textsafe

import "unicode/utf8"

// JSON returns a JSON document with every character inside its strings
// that a terminal must not receive raw written as a \uNNNN escape: DEL,
// C1 controls (U+0080 to U+009F), the bidi controls, the line and
// paragraph separators (U+2028, U+2029), and any C0 control a lenient
// producer left raw. The escapes are JSON's own, so the document means
// exactly what it meant: encoding/json escapes only below U+0020 (and
// U+2028, U+2029), and a server's body may carry any of these raw. A byte
// that is not valid UTF-8 becomes \ufffd, which is what a JSON decoder
// reads it as anyway.
//
// doc should be valid JSON; text outside strings is copied as it is. The
// document is returned unchanged, not copied, when nothing needs escaping.
func JSON(doc []byte) []byte {
	if jsonSafe(doc) {
		return doc
	}
	out := make([]byte, 0, len(doc)+16)
	inString := false
	for i := 0; i < len(doc); {
		c := doc[i]
		if !inString {
			inString = c == '"'
			out = append(out, c)
			i++
			continue
		}
		switch {
		case c == '"':
			inString = false
			out = append(out, c)
			i++
			continue
		case c == '\\':
			// An escape is copied whole: \" must not end the string.
			end := min(i+2, len(doc))
			out = append(out, doc[i:end]...)
			i = end
			continue
		case c < 0x20 || c == 0x7f:
			out = appendUnicodeEscape(out, rune(c))
			i++
			continue
		case c < 0x80:
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(doc[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = appendUnicodeEscape(out, utf8.RuneError)
		case jsonEscapes(r):
			out = appendUnicodeEscape(out, r)
		default:
			out = append(out, doc[i:i+size]...)
		}
		i += size
	}
	return out
}

// jsonEscapes reports the characters above ASCII that JSON writes escaped.
func jsonEscapes(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || IsBidiControl(r) || r == 0x2028 || r == 0x2029
}

// jsonSafe is the fast path of JSON: a document of printable ASCII and
// JSON whitespace has nothing to escape, and non-ASCII text rarely does.
func jsonSafe(doc []byte) bool {
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case c >= 0x80:
			return jsonSafeUnicode(doc[i:])
		case c == 0x7f:
			return false
		case c < 0x20 && c != '\n' && c != '\t' && c != '\r':
			return false
		}
	}
	return true
}

func jsonSafeUnicode(doc []byte) bool {
	for i := 0; i < len(doc); {
		c := doc[i]
		if c < 0x80 {
			if c == 0x7f || (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(doc[i:])
		if (r == utf8.RuneError && size == 1) || jsonEscapes(r) {
			return false
		}
		i += size
	}
	return true
}
