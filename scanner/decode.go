package scanner

import (
	"context"
	"errors"
	"image"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/multi"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Symbology names as reported in Scan.Symbology and printed by
// `lockerctl decode`.
const (
	SymQR         = "QR"
	SymDataMatrix = "DataMatrix"
	SymAztec      = "Aztec"
	SymCode128    = "Code128"
	SymCode39     = "Code39"
	SymEAN13      = "EAN13"
	SymEAN8       = "EAN8"
	SymUPCA       = "UPCA"
	SymUPCE       = "UPCE"
	SymITF        = "ITF"
	SymPDF417     = "PDF417"
	SymMaxiCode   = "MaxiCode"
	// SymKeyboard marks text typed by a HID or wedge scanner, whose
	// symbology the scanner does not tell us.
	SymKeyboard = "keyboard"
)

// AllSymbologies lists every symbology the image decoder reads.
func AllSymbologies() []string {
	return []string{SymQR, SymDataMatrix, SymAztec, SymPDF417, SymCode128, SymCode39, SymEAN13, SymEAN8, SymUPCA, SymUPCE, SymITF}
}

// ErrEmptyImage is returned for an image with no pixels.
var ErrEmptyImage = errors.New("scanner: image has no pixels")

// Effort tells how hard the decoder tries before giving up.
type Effort int

const (
	// EffortThorough tries every preparation (scales, rotations, binarizers,
	// both polarities, regions). For files and still images.
	EffortThorough Effort = iota
	// EffortFast tries a few cheap preparations. For camera frames, where
	// the next frame is another chance.
	EffortFast
)

// DecodeOptions configure a Decoder. The zero value is usable.
type DecodeOptions struct {
	// Symbologies to report; default AllSymbologies().
	Symbologies []string
	// Effort; default EffortThorough.
	Effort Effort
	// MaxSide is the longest side of the working image; larger images are
	// shrunk while converted to gray. Default 2400.
	MaxSide int
	// Budget bounds the time spent on one image; when it runs out the
	// decoder returns what it found so far. Default 4s (thorough) or 300ms
	// (fast).
	Budget time.Duration
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	if len(o.Symbologies) == 0 {
		o.Symbologies = AllSymbologies()
	}
	if o.MaxSide <= 0 {
		o.MaxSide = 2400
	}
	if o.Budget <= 0 {
		o.Budget = 4 * time.Second
		if o.Effort == EffortFast {
			o.Budget = 300 * time.Millisecond
		}
	}
	return o
}

// Decoder finds barcodes in images with gozxing, preparing each image in
// several ways (scales, binarizers, polarity, rotations, contrast) around
// it. A Decoder is safe for concurrent use.
type Decoder struct {
	o       DecodeOptions
	want    map[string]bool
	want1D  bool
	wantUPC bool
	// PDF417 tables, read-only once built.
	pdfLook pdfLookup
	gf      *gf929Tables
}

// NewDecoder returns a Decoder with o's settings.
func NewDecoder(o DecodeOptions) *Decoder {
	o = o.withDefaults()
	d := &Decoder{o: o, want: map[string]bool{}, pdfLook: newPDFLookup(), gf: newGF929()}
	for _, s := range o.Symbologies {
		d.want[s] = true
		switch s {
		case SymCode128, SymCode39, SymITF:
			d.want1D = true
		case SymEAN13, SymEAN8, SymUPCA, SymUPCE:
			d.want1D = true
			d.wantUPC = true
		}
	}
	return d
}

// DecodeImage finds the barcodes in img with a thorough default Decoder.
// Scans carry Text and Symbology; Source and At are left for the caller.
func DecodeImage(img image.Image) ([]Scan, error) {
	return NewDecoder(DecodeOptions{}).Decode(context.Background(), img)
}

// Decode finds the barcodes in img. It returns the codes of the first
// preparation that yields any, nil if none is found within the budget, and
// an error only for an unusable image or an ended context.
func (d *Decoder) Decode(ctx context.Context, img image.Image) ([]Scan, error) {
	if img == nil || img.Bounds().Empty() {
		return nil, ErrEmptyImage
	}
	ctx, cancel := context.WithTimeout(ctx, d.o.Budget)
	defer cancel()
	g := toGray(img, d.o.MaxSide)
	res, _ := d.decodeGray(ctx, g)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return res, err
	}
	return res, nil
}

// hit is one decoded symbol before conversion to a Scan.
type hit struct {
	text, sym string
}

// session holds the readers of one Decode call (gozxing readers keep state).
type session struct {
	d       *Decoder
	qr      gozxing.Reader
	qrMulti multi.MultipleBarcodeReader
	dm      gozxing.Reader
	az      gozxing.Reader
	ones    []gozxing.Reader
	// oneBySym is the reader of each 1D symbology in ones.
	oneBySym map[string]gozxing.Reader
	hints    map[gozxing.DecodeHintType]interface{}
	pure     map[gozxing.DecodeHintType]interface{}
	oneHints map[gozxing.DecodeHintType]interface{}
	sh       *shared
}

func (d *Decoder) newSession(sh *shared) *session {
	s := &session{
		sh:       sh,
		d:        d,
		oneBySym: map[string]gozxing.Reader{},
		hints:    map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true},
		pure:     map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true},
	}
	s.oneHints = map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER:      true,
		gozxing.DecodeHintType_ALLOWED_LENGTHS: []int{4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24},
	}
	if d.want[SymQR] {
		s.qr = qrcode.NewQRCodeReader()
		if d.o.Effort == EffortThorough {
			s.qrMulti = multiqr.NewQRCodeMultiReader()
		}
	}
	if d.want[SymDataMatrix] {
		s.dm = datamatrix.NewDataMatrixReader()
	}
	if d.want[SymAztec] {
		s.az = aztec.NewAztecReader()
	}
	if d.wantUPC {
		s.ones = append(s.ones, oned.NewMultiFormatUPCEANReader(nil))
		for _, k := range []string{SymEAN13, SymEAN8, SymUPCA, SymUPCE} {
			s.oneBySym[k] = s.ones[len(s.ones)-1]
		}
	}
	if d.want[SymCode128] {
		s.ones = append(s.ones, oned.NewCode128Reader())
		s.oneBySym[SymCode128] = s.ones[len(s.ones)-1]
	}
	if d.want[SymCode39] {
		s.ones = append(s.ones, oned.NewCode39Reader())
		s.oneBySym[SymCode39] = s.ones[len(s.ones)-1]
	}
	if d.want[SymITF] {
		s.ones = append(s.ones, oned.NewITFReader())
		s.oneBySym[SymITF] = s.ones[len(s.ones)-1]
	}
	return s
}

func symbologyOf(f gozxing.BarcodeFormat) string {
	switch f {
	case gozxing.BarcodeFormat_QR_CODE:
		return SymQR
	case gozxing.BarcodeFormat_DATA_MATRIX:
		return SymDataMatrix
	case gozxing.BarcodeFormat_AZTEC:
		return SymAztec
	case gozxing.BarcodeFormat_CODE_128:
		return SymCode128
	case gozxing.BarcodeFormat_CODE_39:
		return SymCode39
	case gozxing.BarcodeFormat_EAN_13:
		return SymEAN13
	case gozxing.BarcodeFormat_EAN_8:
		return SymEAN8
	case gozxing.BarcodeFormat_UPC_A:
		return SymUPCA
	case gozxing.BarcodeFormat_UPC_E:
		return SymUPCE
	case gozxing.BarcodeFormat_ITF:
		return SymITF
	}
	return f.String()
}

// read2D tries the 2D readers on one bitmap.
func (s *session) read2D(bm *gozxing.BinaryBitmap, pure bool) []hit {
	var out []hit
	hints := s.hints
	if pure {
		hints = s.pure
	}
	for _, r := range []gozxing.Reader{s.qr, s.dm, s.az} {
		if r == nil {
			continue
		}
		res, err := r.Decode(bm, hints)
		r.Reset()
		if err != nil || res == nil || res.GetText() == "" {
			continue
		}
		h := hit{text: stripLeadingFNC1(res.GetText()), sym: symbologyOf(res.GetBarcodeFormat())}
		if s.d.want[h.sym] && plausible2D(h) {
			out = append(out, h)
		}
	}
	if len(out) == 0 && !pure && s.d.want[SymPDF417] {
		if m, err := bm.GetBlackMatrix(); err == nil {
			found, saw := s.decodePDF417(m)
			if saw {
				s.sh.sawPDF417.Store(true)
			}
			out = append(out, found...)
		}
	}
	return out
}

// rowDecoder is the row-level interface of gozxing's 1D readers.
type rowDecoder interface {
	DecodeRow(rowNumber int, row *gozxing.BitArray, hints map[gozxing.DecodeHintType]interface{}) (*gozxing.Result, error)
}

// readQRMulti runs the QR multi-reader on bm.
func (s *session) readQRMulti(bm *gozxing.BinaryBitmap) []hit {
	rs, err := s.qrMulti.DecodeMultiple(bm, s.hints)
	if err != nil {
		return nil
	}
	var out []hit
	for _, r := range rs {
		if r != nil && r.GetText() != "" {
			out = append(out, hit{text: stripLeadingFNC1(r.GetText()), sym: SymQR})
		}
	}
	return out
}

// read1D scans rows of bm (and of bm turned a quarter when rotate is set)
// with every 1D reader, forwards and backwards, and returns the texts read
// on enough distinct rows (see rowsNeeded): one row of noise that happens
// to pass a checksum is not a barcode.
func (s *session) read1D(ctx context.Context, bm *gozxing.BinaryBitmap, rotate bool, yScale float64) []hit {
	out := s.scanRows(ctx, bm, yScale)
	if (len(out) == 0 || weakOnly(out)) && rotate && ctx.Err() == nil {
		// Nothing, or only a short code that may be a misread of another
		// code's bars: look across as well, and prefer a strong read.
		if r, err := bm.RotateCounterClockwise(); err == nil {
			rot := s.scanRows(ctx, r, 1/yScale)
			if len(out) == 0 || len(rot) > 0 && !weakOnly(rot) {
				out = rot
			}
		}
	}
	return out
}

func (s *session) scanRows(ctx context.Context, bm *gozxing.BinaryBitmap, yScale float64) []hit {
	w, h := bm.GetWidth(), bm.GetHeight()
	if w < 20 || h < 1 {
		return nil
	}
	step := max(1, h/s.d.rowsPerScan())
	counts := map[hit]int{}
	lastRow := map[hit]int{}
	rejected := map[hit]bool{}
	row := gozxing.NewBitArray(w)
	mid := h / 2
	var out []hit
	for i := 0; ; i++ {
		off := (i + 1) / 2 * step
		y := mid + off
		if i%2 == 1 {
			y = mid - off
		}
		if y < 0 || y >= h {
			if mid+off >= h && mid-off < 0 {
				break
			}
			continue
		}
		if i%16 == 0 && ctx.Err() != nil {
			break
		}
		var err error
		row, err = bm.GetBlackRow(y, row)
		if err != nil || !barsEnough(row) {
			continue
		}
		for pass := 0; pass < 2; pass++ {
			if pass == 1 {
				row.Reverse()
			}
			for _, r := range s.ones {
				res, err := r.(rowDecoder).DecodeRow(y, row, s.oneHints)
				if err != nil || res == nil {
					continue
				}
				hh, ok := s.accept1D(res)
				if !ok || rejected[hh] {
					continue
				}
				if _, seen := counts[hh]; seen && lastRow[hh] == y {
					continue
				}
				x0, x1, ok := span1D(res, w, pass == 1)
				if !ok || !quietZones(hh, row, x0, x1, w, pass == 1) {
					continue
				}
				counts[hh]++
				lastRow[hh] = y
				if counts[hh] == rowsNeeded(hh) {
					if needsTall(hh) && !s.sh.thin && !s.tall(bm, hh, y, x0, x1, yScale) {
						// A row of a stacked or 2D symbol (PDF417,
						// Codablock-F) spells a valid code on a thin
						// band only: not a barcode.
						rejected[hh] = true
						continue
					}
					out = append(out, hh)
				}
			}
		}
		if len(out) > 0 && !(weakOnly(out) && i < extraRows) {
			break
		}
	}
	out = dropShortITF(pickRetail(out, counts))
	if s.sh.sawPDF417.Load() {
		// Short codes next to a PDF417 symbol are pieces of its rows.
		keep := out[:0]
		for _, h := range out {
			if !weakOnly([]hit{h}) {
				keep = append(keep, h)
			}
		}
		out = keep
	}
	return out
}

// minBars is how many bars the shortest 1D code we read has (a 4-digit
// ITF: 2 + 10 + 2); rows with fewer are not handed to the readers, whose
// every failure costs a stack trace.
const minBars = 14

// barsEnough tells whether row has at least minBars bars.
func barsEnough(row *gozxing.BitArray) bool {
	n, x, w := 0, 0, row.GetSize()
	for x < w {
		x = row.GetNextSet(x)
		if x >= w {
			break
		}
		n++
		if n >= minBars {
			return true
		}
		x = row.GetNextUnset(x)
	}
	return false
}

// span1D returns the horizontal extent of a 1D result in row coordinates
// (not reversed), from its result points.
func span1D(res *gozxing.Result, w int, reversed bool) (x0, x1 float64, ok bool) {
	pts := res.GetResultPoints()
	if len(pts) < 2 || pts[0] == nil || pts[len(pts)-1] == nil {
		return 0, 0, false
	}
	a, b := pts[0].GetX(), pts[len(pts)-1].GetX()
	if reversed {
		a, b = float64(w-1)-a, float64(w-1)-b
	}
	if a > b {
		a, b = b, a
	}
	return a, b, b > a
}

// quietZones checks the white margins that EAN-8 and UPC-E need (as
// zxing-cpp does: their few digits and one check digit are spelt by
// pieces of other codes' bars, which have no quiet zone). x0 and x1 are
// the centres of the start and end guards in row coordinates; row is in
// the orientation it was decoded in.
func quietZones(h hit, row *gozxing.BitArray, x0, x1 float64, w int, reversed bool) bool {
	var span float64 // modules between the guard centres
	switch h.sym {
	case SymEAN8:
		span = 64
	case SymUPCE:
		span = 46.5
	default:
		return true
	}
	const quiet = 5 // modules, the standard asks 7 (9 left of UPC-E)
	m := (x1 - x0) / span
	white := func(from, to float64) bool {
		a, b := int(from), int(to)
		a, b = max(a, 0), min(b, w-1)
		for x := a; x <= b; x++ {
			xx := x
			if reversed {
				xx = w - 1 - x
			}
			if row.Get(xx) {
				return false
			}
		}
		return true
	}
	// Guard centres are 1.5 modules inside the symbol's edges.
	left := x0 - 1.5*m
	right := x1 + 1.5*m
	if h.sym == SymUPCE {
		right = x1 + 3*m // the end guard is 6 modules
	}
	return white(left-quiet*m, left-m) && white(right+m, right+quiet*m)
}

// needsTall tells the symbologies that rows of stacked or 2D symbols
// spell: Code 128 (Codablock-F, Code 16K rows) and the short codes
// (EAN-8, UPC-E, ITF from PDF417 rows). EAN-13, UPC-A and Code 39 are not
// checked: their long patterns with guards are not found in such rows,
// and their photos are often too blurred for many rows to agree.
func needsTall(h hit) bool {
	switch h.sym {
	case SymCode128, SymEAN8, SymUPCE, SymITF:
		return true
	}
	return false
}

// minTall is how tall, as a fraction of its width, a 1D code must be:
// a row of PDF417 is a few percent of its width, real bar codes are 10%
// and more.
const minTall = 0.045

// tall walks rows up and down from y while they read as hh and tells
// whether hh is a bar code of its own: read over a band at least minTall
// of its width high, and not one row of a stacked symbol (Codablock-F,
// Code 16K), whose neighbour rows read as other codes of the same kind.
// yScale is how many source rows one row of bm stands for.
func (s *session) tall(bm *gozxing.BinaryBitmap, hh hit, y int, x0, x1, yScale float64) bool {
	h := bm.GetHeight()
	width := (x1 - x0) / yScale // in rows of bm
	need := minTall * width
	step := max(1, int(width/100))
	reach := int(0.3 * width)
	row := gozxing.NewBitArray(bm.GetWidth())
	lo, hi := y, y
	others := map[string]int{}
	for _, dir := range []int{-1, 1} {
		misses := 0
		for yy := y + dir*step; yy >= 0 && yy < h && abs(yy-y) <= reach; yy += dir * step {
			same, other := s.rowReads(bm, row, yy, hh)
			if other != "" {
				// Two rows reading another code of the same kind
				// next to this one: a stacked symbol (one such row
				// can be a part read of a turned code).
				if others[other]++; others[other] >= 2 {
					return false
				}
			}
			if same {
				lo, hi = min(lo, yy), max(hi, yy)
				misses = 0
				continue
			}
			if misses++; misses > 8 {
				break
			}
		}
	}
	if float64(h) < 3*need {
		// The image is hardly taller than the code is thin: a tight
		// crop, nothing to tell from.
		return true
	}
	return float64(hi-lo) >= need
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// rowReads decodes row y of bm in both directions, with the reader of
// hh's symbology only, and tells whether it
// reads as hh, and which other code of hh's symbology it reads, if any.
func (s *session) rowReads(bm *gozxing.BinaryBitmap, row *gozxing.BitArray, y int, hh hit) (same bool, other string) {
	row, err := bm.GetBlackRow(y, row)
	if err != nil || !barsEnough(row) {
		return false, ""
	}
	r := s.oneBySym[hh.sym]
	if r == nil {
		// UPC-A reported as EAN-13 or the reverse.
		r = s.oneBySym[SymEAN13]
	}
	for pass := 0; pass < 2 && r != nil; pass++ {
		if pass == 1 {
			row.Reverse()
		}
		{
			res, err := r.(rowDecoder).DecodeRow(y, row, s.oneHints)
			if err != nil || res == nil {
				continue
			}
			got, ok := s.accept1D(res)
			if !ok {
				continue
			}
			if got == hh {
				same = true
			} else if got.sym == hh.sym {
				other = got.text
			}
		}
	}
	return same, other
}

// shortITF tells a 4-digit ITF read, which other bar codes' bars often
// also spell.
func shortITF(h hit) bool { return h.sym == SymITF && len(h.text) < 6 }

// dropShortITF removes short ITF reads when anything else was read.
func dropShortITF(hs []hit) []hit {
	other := false
	for _, h := range hs {
		other = other || !shortITF(h)
	}
	if !other {
		return hs
	}
	out := hs[:0]
	for _, h := range hs {
		if !shortITF(h) {
			out = append(out, h)
		}
	}
	return out
}

// weakOnly tells whether all hits are short codes that a longer code's
// bars can also spell.
func weakOnly(hs []hit) bool {
	for _, h := range hs {
		if !shortITF(h) && h.sym != SymEAN8 && h.sym != SymUPCE {
			return false
		}
	}
	return true
}

// extraRows is how many rows the scan goes on after confirming only a
// short code (EAN-8, UPC-E, 4-digit ITF), which can be a misread part of a
// longer one.
const extraRows = 64

// pickRetail keeps, among confirmed EAN/UPC reads, only the best supported
// one (and prefers 13/12 digits over 8), since one label yields one
// number; other symbologies pass through.
func pickRetail(hs []hit, counts map[hit]int) []hit {
	var out []hit
	best := -1
	for _, h := range hs {
		switch h.sym {
		case SymEAN13, SymUPCA, SymEAN8, SymUPCE:
			score := counts[h]
			if h.sym == SymEAN13 || h.sym == SymUPCA {
				score += 1000
			}
			if best < 0 || score > counts[out[best]]+bonus(out[best]) {
				if best >= 0 {
					out = append(out[:best], out[best+1:]...)
				}
				out = append(out, h)
				best = len(out) - 1
			}
		default:
			out = append(out, h)
		}
	}
	return out
}

func bonus(h hit) int {
	if h.sym == SymEAN13 || h.sym == SymUPCA {
		return 1000
	}
	return 0
}

// latin1 turns text that gozxing built from ISO-8859-1 bytes (Code 128
// and Code 39 extended characters) into valid UTF-8.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, 0, len(s))
	for i := 0; i < len(s); i++ {
		r = append(r, rune(s[i]))
	}
	return string(r)
}

// accept1D converts a 1D result to a hit if it is wanted and plausible.
func (s *session) accept1D(res *gozxing.Result) (hit, bool) {
	h := hit{text: latin1(res.GetText()), sym: symbologyOf(res.GetBarcodeFormat())}
	if h.sym == SymEAN13 && len(h.text) == 13 && h.text[0] == '0' && s.d.want[SymUPCA] {
		// gozxing reports UPC-A as EAN-13 with a leading zero.
		h = hit{text: h.text[1:], sym: SymUPCA}
	}
	if !s.d.want[h.sym] {
		// UPC-A is EAN-13 with a leading zero: report it as EAN-13
		// when only that is wanted.
		if h.sym == SymUPCA && s.d.want[SymEAN13] {
			h = hit{text: "0" + h.text, sym: SymEAN13}
		} else {
			return hit{}, false
		}
	}
	return h, plausible1D(h)
}

// rowsNeeded is how many distinct image rows must agree on a 1D text.
func rowsNeeded(h hit) int {
	if shortITF(h) {
		return 6
	}
	switch h.sym {
	case SymCode128:
		return 2
	case SymEAN13, SymUPCA:
		return 2
	case SymEAN8, SymUPCE:
		return 5 // short codes with one check digit: misreads agree on a few rows
	}
	return 3
}

// stripLeadingFNC1 drops the GS that gozxing emits for an FNC1 in first
// position: that FNC1 only marks GS1 data (the symbology identifier
// carries it) and is not part of the message, unlike later separators.
func stripLeadingFNC1(t string) string {
	return strings.TrimPrefix(t, "\x1d")
}

// plausible2D rejects 2D reads that are almost surely noise.
func plausible2D(h hit) bool {
	return strings.TrimSpace(h.text) != ""
}

// plausible1D applies length and content rules to 1D reads, whose
// checksums are weak (Code 39, ITF) or short.
func plausible1D(h hit) bool {
	switch h.sym {
	case SymCode39:
		return len(strings.TrimSpace(h.text)) >= 3
	case SymITF:
		return len(h.text) >= 4
	case SymCode128:
		return len(h.text) >= 3
	}
	return true
}

// rowsPerScan is how many rows of an image the 1D scan visits at most.
func (d *Decoder) rowsPerScan() int {
	if d.o.Effort == EffortFast {
		return 32
	}
	return 256
}
