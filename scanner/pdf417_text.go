package scanner

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Decoding of PDF417 data codewords into text (ISO/IEC 15438 section 5.4),
// after zxing-cpp's pdf417/PDFDecoder.cpp (Apache-2.0): text, byte and
// numeric compaction, ECIs anywhere the standard allows them (each switches
// the character set of the bytes that follow), and the Macro PDF417
// control block, whose fields are checked but are not part of the text.

var (
	errPDF417Format = errors.New("scanner: pdf417: bad data codewords")
	errPDF417ECI    = errors.New("scanner: pdf417: unsupported character set (ECI)")
)

const (
	pdfTextLatch     = 900
	pdfByteLatch     = 901
	pdfNumericLatch  = 902
	pdfByteShift     = 913
	pdfLinkageOther  = 918
	pdfLinkageEANUCC = 920
	pdfReaderInit    = 921
	pdfMacroTerm     = 922
	pdfMacroOptional = 923
	pdfByteLatch6    = 924
	pdfECIUser       = 925
	pdfECIGeneral    = 926
	pdfECICharset    = 927
	pdfMacroBegin    = 928
)

const (
	pdfMixedChars = "0123456789&\r\t,:#-.$/+%*=^"
	pdfPunctChars = ";<>@[\\]_`~!\r\t,:\n-.$/\"|*()?{}'"
)

// pdfSegment is a run of decoded bytes in one character set (eci -1: the
// default, no ECI given).
type pdfSegment struct {
	eci int
	b   []byte
}

// pdfOut collects decoded bytes, one segment per character set in force.
type pdfOut struct {
	segs []pdfSegment
	eci  int
	err  error // an ECI we cannot convert
}

func newPDFOut() *pdfOut { return &pdfOut{eci: -1} }

func (o *pdfOut) push(b ...byte) {
	if n := len(o.segs); n == 0 || o.segs[n-1].eci != o.eci {
		o.segs = append(o.segs, pdfSegment{eci: o.eci})
	}
	s := &o.segs[len(o.segs)-1]
	s.b = append(s.b, b...)
}

func (o *pdfOut) empty() bool { return len(o.segs) == 0 }

// switchECI makes eci the character set of the bytes that follow.
func (o *pdfOut) switchECI(eci int) {
	if _, ok := eciCharset(eci); !ok && o.err == nil {
		o.err = errPDF417ECI
	}
	o.eci = eci
}

// text converts the segments to UTF-8. Bytes without an ECI are UTF-8 if
// they are valid UTF-8, else ISO-8859-1 (the standard's default).
func (o *pdfOut) text() (string, error) {
	if o.err != nil {
		return "", o.err
	}
	var sb strings.Builder
	for _, s := range o.segs {
		enc, _ := eciCharset(s.eci)
		if enc == nil {
			if s.eci < 0 && utf8.Valid(s.b) {
				sb.Write(s.b)
				continue
			}
			for _, c := range s.b {
				sb.WriteRune(rune(c))
			}
			continue
		}
		t, err := enc.NewDecoder().Bytes(s.b)
		if err != nil {
			return "", errPDF417ECI
		}
		sb.Write(t)
	}
	return sb.String(), nil
}

// eciCharset maps an ECI designator to its character set, nil for
// ISO-8859-1 (and binary); ok is false for one we cannot convert. The
// table is zxing's CharacterSetECI.
func eciCharset(eci int) (encoding.Encoding, bool) {
	switch eci {
	case -1, 1, 3, 27, 170, 899: // default, ISO-8859-1, ASCII, binary
		return nil, true
	case 0, 2:
		return charmap.CodePage437, true
	case 4:
		return charmap.ISO8859_2, true
	case 5:
		return charmap.ISO8859_3, true
	case 6:
		return charmap.ISO8859_4, true
	case 7:
		return charmap.ISO8859_5, true
	case 8:
		return charmap.ISO8859_6, true
	case 9:
		return charmap.ISO8859_7, true
	case 10:
		return charmap.ISO8859_8, true
	case 11:
		return charmap.ISO8859_9, true
	case 12:
		return charmap.ISO8859_10, true
	case 13:
		return charmap.Windows874, true // ISO-8859-11's printable part
	case 15:
		return charmap.ISO8859_13, true
	case 16:
		return charmap.ISO8859_14, true
	case 17:
		return charmap.ISO8859_15, true
	case 18:
		return charmap.ISO8859_16, true
	case 20:
		return japanese.ShiftJIS, true
	case 21:
		return charmap.Windows1250, true
	case 22:
		return charmap.Windows1251, true
	case 23:
		return charmap.Windows1252, true
	case 24:
		return charmap.Windows1256, true
	case 25:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), true
	case 26:
		return unicode.UTF8, true
	case 28:
		return traditionalchinese.Big5, true
	case 29, 32: // GB 2312 and GB 18030: GB 18030 reads both
		return simplifiedchinese.GB18030, true
	case 30:
		return korean.EUCKR, true
	case 31:
		return simplifiedchinese.GBK, true
	case 33:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), true
	case 34:
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), true
	case 35:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), true
	}
	return nil, false
}

func isECI(c int) bool { return c >= pdfECIUser && c <= pdfECICharset }

// terminatesCompaction tells whether c ends a compaction mode
// (ISO/IEC 15438:2015 5.4.2.5, 5.4.3.4, 5.4.4.3).
func terminatesCompaction(c int) bool {
	switch c {
	case pdfTextLatch, pdfByteLatch, pdfNumericLatch, pdfByteLatch6,
		pdfMacroBegin, pdfMacroOptional, pdfMacroTerm:
		return true
	}
	return false
}

// pdfECI applies the ECI c whose parameters start at cw[i] and returns
// the index after them. Only character set ECIs change the output.
func pdfECI(cw []int, i, c int, out *pdfOut) int {
	if !isECI(c) || i >= len(cw) {
		return i
	}
	if c == pdfECICharset {
		out.switchECI(cw[i])
		return i + 1
	}
	n := 1
	if c == pdfECIGeneral {
		n = 2
	}
	return min(len(cw), i+n)
}

// decodePDF417Data turns the data codewords (the first being the symbol
// length descriptor) into the message.
func decodePDF417Data(cw []int) (string, error) {
	if len(cw) < 2 || cw[0] != len(cw) {
		return "", errPDF417Format
	}
	out := newPDFOut()
	var err error
	for i := 1; i < len(cw) && err == nil; {
		c := cw[i]
		i++
		switch {
		case c == pdfTextLatch:
			i, err = pdfText(cw, i, out)
		case c == pdfByteShift:
			i, err = pdfText(cw, i-1, out)
		case c == pdfByteLatch || c == pdfByteLatch6:
			i, err = pdfBytes(c, cw, i, out)
		case c == pdfNumericLatch:
			i, err = pdfNumeric(cw, i, out)
		case isECI(c):
			i = pdfECI(cw, i, c, out)
		case c == pdfMacroBegin:
			i, err = pdfMacroBlock(cw, i)
		case c == pdfReaderInit || c == pdfLinkageEANUCC:
			// Only as the first codeword after the length.
			if i != 2 {
				err = errPDF417Format
			}
		case c >= 900:
			// 922 and 923 outside a macro block, linkage to another
			// symbol, reserved codewords.
			err = errPDF417Format
		default:
			// Text compaction, alpha sub-mode, is the default.
			i, err = pdfText(cw, i-1, out)
		}
	}
	if err != nil {
		return "", err
	}
	if out.empty() {
		return "", errPDF417Format
	}
	return out.text()
}

// pdfMacroBlock checks the Macro PDF417 control block from cw[i] (after
// 928): the segment index, the file id and the optional fields, up to the
// end of the data (ISO/IEC 15438:2015 Annex H). It returns the index after
// it. The block's fields are not part of the message.
func pdfMacroBlock(cw []int, i int) (int, error) {
	if i+2 > len(cw) || cw[i] >= 900 || cw[i+1] >= 900 {
		return i, errPDF417Format
	}
	// The segment index is numeric compaction: a number with a leading 1.
	if !strings.HasPrefix(strconv.Itoa(cw[i]*900+cw[i+1]), "1") {
		return i, errPDF417Format
	}
	i += 2
	for i < len(cw) && cw[i] != pdfMacroTerm && cw[i] != pdfMacroOptional {
		if cw[i] >= 900 {
			return i, errPDF417Format
		}
		i++ // the file id
	}
	for i < len(cw) {
		switch cw[i] {
		case pdfMacroOptional:
			i++
			if i >= len(cw) {
				break
			}
			field := cw[i]
			i++
			sink := newPDFOut()
			var err error
			switch field {
			case 0, 3, 4: // file name, sender, addressee
				i, err = pdfText(cw, i, sink)
			case 1, 2, 5, 6: // segment count, time stamp, file size, checksum
				i, err = pdfNumeric(cw, i, sink)
			default:
				err = errPDF417Format
			}
			if err != nil {
				return i, err
			}
		case pdfMacroTerm:
			i++
		default:
			return i, errPDF417Format
		}
	}
	return i, nil
}

// Text compaction sub-modes.
const (
	pdfAlpha = iota
	pdfLower
	pdfMixed
	pdfPunct
	pdfAlphaShift
	pdfPunctShift
)

// pdfText decodes text compaction from cw[i] until a codeword that ends
// it, and returns the index of that codeword. ECIs and byte shifts (913)
// may come anywhere in it.
func pdfText(cw []int, i int, out *pdfOut) (int, error) {
	// Two values per codeword, with ECIs (and their parameters) and byte
	// shifts (and their byte) kept in place.
	data := make([]int, 0, 2*(len(cw)-i))
	textECI := func(c int) {
		data = append(data, c)
		if i < len(cw) {
			data = append(data, cw[i])
			i++
			if i < len(cw) && c == pdfECIGeneral {
				data = append(data, cw[i])
				i++
			}
		}
	}
loop:
	for i < len(cw) {
		c := cw[i]
		i++
		switch {
		case c < 900:
			data = append(data, c/30, c%30)
		case c == pdfByteShift:
			data = append(data, c)
			for i < len(cw) && isECI(cw[i]) {
				i++
				textECI(cw[i-1])
			}
			if i < len(cw) {
				data = append(data, cw[i])
				i++
			}
		case isECI(c):
			textECI(c)
		case terminatesCompaction(c):
			i--
			break loop
		default:
			return i, errPDF417Format
		}
	}
	pdfTextValues(data, out)
	return i, nil
}

// pdfTextValues decodes the sub-mode values of text compaction.
func pdfTextValues(data []int, out *pdfOut) {
	mode, prior := pdfAlpha, pdfAlpha
	// psAllowed: a punctuation shift that is last or before a byte
	// shift is padding (5.4.2.4 (b) (1)).
	psAllowed := func(i int) bool { return i+1 < len(data) && data[i+1] != pdfByteShift }
	for i := 0; i < len(data); {
		v := data[i]
		if isECI(v) {
			i = pdfECI(data, i+1, v, out)
			continue
		}
		if v == pdfByteShift {
			i++
			for i < len(data) && isECI(data[i]) {
				i = pdfECI(data, i+1, data[i], out)
			}
			if i < len(data) {
				out.push(byte(data[i]))
				i++
			}
			continue
		}
		var ch byte
		switch mode {
		case pdfAlpha, pdfLower:
			switch {
			case v < 26:
				if mode == pdfAlpha {
					ch = byte('A' + v)
				} else {
					ch = byte('a' + v)
				}
			case v == 26:
				ch = ' '
			case v == 27 && mode == pdfAlpha:
				mode = pdfLower
			case v == 27:
				prior, mode = mode, pdfAlphaShift
			case v == 28:
				mode = pdfMixed
			case psAllowed(i):
				prior, mode = mode, pdfPunctShift
			}
		case pdfMixed:
			switch {
			case v < 25:
				ch = pdfMixedChars[v]
			case v == 25:
				mode = pdfPunct
			case v == 26:
				ch = ' '
			case v == 27:
				mode = pdfLower
			case v == 28:
				mode = pdfAlpha
			case psAllowed(i):
				prior, mode = mode, pdfPunctShift
			}
		case pdfPunct:
			if v < 29 {
				ch = pdfPunctChars[v]
			} else {
				mode = pdfAlpha
			}
		case pdfAlphaShift:
			mode = prior
			if v < 26 {
				ch = byte('A' + v)
			} else if v == 26 {
				ch = ' '
			}
		case pdfPunctShift:
			mode = prior
			if v < 29 {
				ch = pdfPunctChars[v]
			} else {
				mode = pdfAlpha
			}
		}
		if ch != 0 {
			out.push(ch)
		}
		i++
	}
}

// pdfBytes decodes byte compaction (latch 901 or 924) from cw[i]: groups
// of five codewords give six bytes; after 901 the last one to five
// codewords are one byte each. ECIs may come between groups and between
// the last bytes.
func pdfBytes(latch int, cw []int, i int, out *pdfOut) (int, error) {
	// Count the data codewords up to the end of the mode.
	count := 0
	for j := i; j < len(cw); j++ {
		c := cw[j]
		if c >= 900 {
			if latch == pdfByteLatch6 && count%5 != 0 {
				return i, errPDF417Format
			}
			if isECI(c) {
				if c == pdfECIGeneral {
					j += 2
				} else {
					j++
				}
				continue
			}
			if !terminatesCompaction(c) {
				return i, errPDF417Format
			}
			break
		}
		count++
	}
	groups, trailing := count/5, 0
	if latch == pdfByteLatch {
		trailing = count % 5
		if trailing == 0 && count > 0 {
			groups, trailing = groups-1, 5
		}
	} else if count%5 != 0 {
		return i, errPDF417Format
	}
	ecis := func() error {
		for i < len(cw) && cw[i] >= 900 && !terminatesCompaction(cw[i]) {
			if !isECI(cw[i]) {
				return errPDF417Format
			}
			i = pdfECI(cw, i+1, cw[i], out)
		}
		return nil
	}
	if err := ecis(); err != nil {
		return i, err
	}
	for g := 0; g < groups; g++ {
		var v uint64
		for k := 0; k < 5; k++ {
			if i >= len(cw) || cw[i] >= 900 {
				return i, errPDF417Format // no ECI inside a group
			}
			v = v*900 + uint64(cw[i])
			i++
		}
		if v >= 1<<48 {
			return i, errPDF417Format
		}
		for k := 5; k >= 0; k-- {
			out.push(byte(v >> (8 * k)))
		}
		if err := ecis(); err != nil {
			return i, err
		}
	}
	for k := 0; k < trailing && i < len(cw); k++ {
		if cw[i] > 255 {
			return i, errPDF417Format
		}
		out.push(byte(cw[i]))
		i++
		if err := ecis(); err != nil {
			return i, err
		}
	}
	return i, nil
}

// pdfNumeric decodes numeric compaction from cw[i]: groups of up to 15
// codewords, base 900, each standing for a number with a leading 1. ECIs
// may come anywhere in it.
func pdfNumeric(cw []int, i int, out *pdfOut) (int, error) {
	var vals []int
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		n := new(big.Int)
		b900 := big.NewInt(900)
		for _, c := range vals {
			n.Mul(n, b900)
			n.Add(n, big.NewInt(int64(c)))
		}
		s := n.String()
		if !strings.HasPrefix(s, "1") {
			return errPDF417Format
		}
		out.push([]byte(s[1:])...)
		vals = vals[:0]
		return nil
	}
	for i < len(cw) {
		c := cw[i]
		if c < 900 {
			vals = append(vals, c)
			i++
			if len(vals) == 15 {
				if err := flush(); err != nil {
					return i, err
				}
			}
			continue
		}
		if err := flush(); err != nil {
			return i, err
		}
		switch {
		case isECI(c):
			i = pdfECI(cw, i+1, c, out)
		case terminatesCompaction(c):
			return i, nil
		default:
			return i, errPDF417Format
		}
	}
	return i, flush()
}
