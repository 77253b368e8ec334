package scanner

import (
	"errors"
	"math/big"
	"strings"
	"unicode/utf8"
)

// Decoding of PDF417 data codewords into text (ISO/IEC 15438 section 5.4),
// after zxing's DecodedBitStreamParser (Apache-2.0).

var (
	errPDF417Format = errors.New("scanner: pdf417: bad data codewords")
	errPDF417ECI    = errors.New("scanner: pdf417: unsupported character set (ECI)")
)

const (
	pdfTextLatch     = 900
	pdfByteLatch     = 901
	pdfNumericLatch  = 902
	pdfByteShift     = 913
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

// pdfOut collects decoded characters and bytes; text compaction gives
// ASCII, byte compaction bytes in the current character set.
type pdfOut struct {
	b    []byte
	utf8 bool // ECI 26 seen
}

func (o *pdfOut) String() string {
	if o.utf8 && utf8.Valid(o.b) {
		return string(o.b)
	}
	return latin1(string(o.b))
}

// decodePDF417Data turns the data codewords (the first being the symbol
// length descriptor) into the message.
func decodePDF417Data(cw []int) (string, error) {
	if len(cw) < 2 || cw[0] != len(cw) {
		return "", errPDF417Format
	}
	out := &pdfOut{}
	i := 1
	for i < len(cw) {
		c := cw[i]
		if c < 900 {
			// Data without a latch: text compaction, the default.
			i = pdfText(cw, i, out)
			continue
		}
		i++
		switch c {
		case pdfTextLatch:
			i = pdfText(cw, i, out)
		case pdfByteLatch, pdfByteLatch6:
			i = pdfBytes(c, cw, i, out)
		case pdfByteShift:
			if i < len(cw) && cw[i] < 900 {
				out.b = append(out.b, byte(cw[i]))
				i++
			}
		case pdfNumericLatch:
			var err error
			if i, err = pdfNumeric(cw, i, out); err != nil {
				return "", err
			}
		case pdfECICharset:
			if i >= len(cw) {
				return "", errPDF417Format
			}
			switch cw[i] {
			case 1, 3, 27, 170: // ISO-8859-1 and ASCII
			case 26:
				out.utf8 = true
			default:
				// Another character set: no read rather than a
				// wrong text.
				return "", errPDF417ECI
			}
			i++
		case pdfECIGeneral:
			i += 2
		case pdfECIUser, pdfReaderInit:
			i++
		case pdfMacroBegin, pdfMacroOptional, pdfMacroTerm:
			// The macro control block ends the message.
			i = len(cw)
		default:
			return "", errPDF417Format
		}
	}
	if len(out.b) == 0 {
		return "", errPDF417Format
	}
	return out.String(), nil
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

// pdfText decodes text compaction from cw[i] until a codeword other than
// a byte shift ends it, and returns the index after it.
func pdfText(cw []int, i int, out *pdfOut) int {
	var vals []int // two per codeword; -1 marks a byte shift
	var shifted []int
	for i < len(cw) {
		c := cw[i]
		if c < 900 {
			vals = append(vals, c/30, c%30)
			i++
			continue
		}
		if c == pdfTextLatch {
			vals = append(vals, -2) // latch resets to alpha
			i++
			continue
		}
		if c == pdfByteShift && i+1 < len(cw) && cw[i+1] < 900 {
			vals = append(vals, -1)
			shifted = append(shifted, cw[i+1])
			i += 2
			continue
		}
		break
	}
	mode, prior := pdfAlpha, pdfAlpha
	for _, v := range vals {
		if v == -2 {
			mode = pdfAlpha
			continue
		}
		if v == -1 {
			out.b = append(out.b, byte(shifted[0]))
			shifted = shifted[1:]
			if mode == pdfPunctShift || mode == pdfAlphaShift {
				// A shift before a byte shift ends with it.
				mode = prior
			}
			continue
		}
		var ch byte
		switch mode {
		case pdfAlpha, pdfAlphaShift:
			switch {
			case v < 26:
				ch = byte('A' + v)
			case v == 26:
				ch = ' '
			case v == 27:
				if mode == pdfAlpha {
					mode = pdfLower
				}
			case v == 28:
				if mode == pdfAlpha {
					mode = pdfMixed
				}
			case v == 29:
				prior, mode = mode, pdfPunctShift
			}
			if mode == pdfAlphaShift && ch != 0 {
				mode = prior
			}
		case pdfLower:
			switch {
			case v < 26:
				ch = byte('a' + v)
			case v == 26:
				ch = ' '
			case v == 27:
				prior, mode = mode, pdfAlphaShift
			case v == 28:
				mode = pdfMixed
			case v == 29:
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
			case v == 29:
				prior, mode = mode, pdfPunctShift
			}
		case pdfPunct:
			if v < 29 {
				ch = pdfPunctChars[v]
			} else {
				mode = pdfAlpha
			}
		case pdfPunctShift:
			if v < 29 {
				ch = pdfPunctChars[v]
				mode = prior
			} else {
				mode = pdfAlpha
			}
		}
		if ch != 0 {
			out.b = append(out.b, ch)
		}
	}
	return i
}

// pdfBytes decodes byte compaction (latch 901 or 924) from cw[i].
func pdfBytes(latch int, cw []int, i int, out *pdfOut) int {
	var vals []int
	for i < len(cw) && cw[i] < 900 {
		vals = append(vals, cw[i])
		i++
	}
	j := 0
	group := func() {
		var v uint64
		for _, c := range vals[j : j+5] {
			v = v*900 + uint64(c)
		}
		for k := 5; k >= 0; k-- {
			out.b = append(out.b, byte(v>>(8*k)))
		}
		j += 5
	}
	if latch == pdfByteLatch6 {
		for len(vals)-j >= 5 {
			group()
		}
	} else {
		for len(vals)-j > 5 {
			group()
		}
	}
	for _, c := range vals[j:] {
		out.b = append(out.b, byte(c))
	}
	return i
}

// pdfNumeric decodes numeric compaction from cw[i]: groups of up to 15
// codewords, base 900, each standing for a number with a leading 1.
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
		out.b = append(out.b, s[1:]...)
		vals = vals[:0]
		return nil
	}
	for i < len(cw) && cw[i] < 900 {
		vals = append(vals, cw[i])
		i++
		if len(vals) == 15 {
			if err := flush(); err != nil {
				return i, err
			}
		}
	}
	return i, flush()
}
