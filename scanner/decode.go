package scanner

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	"github.com/makiuchi-d/gozxing/multi"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/oned"
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
	return []string{SymQR, SymDataMatrix, SymAztec, SymPDF417, SymMaxiCode, SymCode128, SymCode39, SymEAN13, SymEAN8, SymUPCA, SymUPCE, SymITF}
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
	// images are the last images read (see tryImage).
	images []*imageState
	// noBars is set while the image read has no bar-like tiles either
	// way (see barMap): a PDF417 symbol, whose codewords are bars,
	// cannot be in it.
	noBars bool
	// skip is the 2D readers the preparation read skips.
	skip readers
	// upcs are the EAN-13, EAN-8 and UPC-E readers, for decodeUPC.
	upcs [3]rowDecoder
	// cheap is set while a preparation of the cheap pass is read, rect
	// while one that the rectangle gate applies to (variant.rect).
	cheap, rect bool
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
		s.qr = newQRReader()
		if d.o.Effort == EffortThorough {
			s.qrMulti = multiqr.NewQRCodeMultiReader()
		}
	}
	if d.want[SymDataMatrix] {
		s.dm = datamatrix.NewDataMatrixReader()
	}
	if d.want[SymAztec] {
		s.az = aztecReader{}
	}
	if d.wantUPC {
		// The EAN/UPC readers in gozxing's multi-format reader's order;
		// scanRows runs those its prefilter leaves (see decodeUPC).
		s.upcs = [3]rowDecoder{
			oned.NewEAN13Reader().(rowDecoder), oned.NewEAN8Reader().(rowDecoder), oned.NewUPCEReader().(rowDecoder),
		}
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
func (s *session) read2D(ctx context.Context, bm *gozxing.BinaryBitmap, pure bool) []hit {
	var out []hit
	hints := s.hints
	if pure {
		hints = s.pure
	}
	for _, r := range []gozxing.Reader{s.qr, s.dm, s.az} {
		if ctx.Err() != nil {
			// Another variant won: stop between readers.
			return nil
		}
		if r == nil || r == s.az && s.skip&readAztec != 0 {
			continue
		}
		res, err := r.Decode(bm, hints)
		r.Reset()
		if err != nil || res == nil || res.GetText() == "" {
			continue
		}
		h := hit{text: stripLeadingFNC1(res.GetText()), sym: symbologyOf(res.GetBarcodeFormat())}
		if s.d.want[h.sym] && plausible2D(h) {
			// One symbol is enough: the other detectors would search
			// the same bitmap again for another kind.
			out = append(out, h)
			break
		}
	}
	// PDF417 and MaxiCode are sought in the try-harder preparations
	// beyond quiet zone and resolution only when the cheap pass saw
	// their finders (a start or stop pattern, a bullseye): as the
	// rectangle gate for the other 2D codes. Most of their work is spent
	// on images without them.
	if len(out) == 0 && !pure && s.d.want[SymPDF417] && !s.noBars && s.skip&readPDF417 == 0 && (!s.rect || s.sh.pdfFinder.Load()) && ctx.Err() == nil {
		if m, err := bm.GetBlackMatrix(); err == nil {
			found, saw := s.decodePDF417(m)
			if saw {
				s.sh.sawPDF417.Store(true)
			}
			out = append(out, found...)
		}
	}
	if len(out) == 0 && s.d.want[SymMaxiCode] && s.skip&readMaxiCode == 0 && (!s.rect || s.sh.bullseye.Load()) && ctx.Err() == nil {
		// Last: the bullseye search runs only when nothing else read.
		out = append(out, s.decodeMaxiCode(bm, pure)...)
	}
	return out
}

// decodeUPC reads row as gozxing's multi-format EAN/UPC reader does (its
// readers in its order, the first read wins; UPC-A is read as EAN-13,
// no format being asked for), with only the readers of formats (from
// upcFormats): the others would fail on the row.
func (s *session) decodeUPC(y int, row *gozxing.BitArray, formats int) (*gozxing.Result, error) {
	for i, r := range s.upcs {
		if formats&(1<<i) == 0 {
			continue
		}
		res, err := r.DecodeRow(y, row, s.oneHints)
		if err == nil {
			return res, nil
		}
		if _, ok := err.(gozxing.ReaderException); !ok {
			return nil, err
		}
	}
	return nil, errNoUPC
}

// errNoUPC is decodeUPC's failure: no EAN/UPC code in the row.
var errNoUPC = errors.New("scanner: no EAN/UPC code in the row")

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
// to pass a checksum is not a barcode. sparse scans at most rowsPerScan
// rows of each turn.
func (s *session) read1D(ctx context.Context, bm *gozxing.BinaryBitmap, rotate bool, yScale float64, sparse bool) []hit {
	return s.read1DIn(ctx, bm, rotate, yScale, sparse, nil)
}

// read1DIn is read1D on the rows and columns of bm that bars maps as
// crossing bar-like tiles (nil: all); the others are not handed to the
// readers.
func (s *session) read1DIn(ctx context.Context, bm *gozxing.BinaryBitmap, rotate bool, yScale float64, sparse bool, bars *barMap) []hit {
	var rows, cols []bool
	if bars != nil {
		rows, cols = bars.rows, bars.turned().rows
	}
	out := s.scanRows(ctx, bm, yScale, sparse, rows)
	if (len(out) == 0 || weakOnly(out)) && rotate && ctx.Err() == nil && (cols == nil || anyTrue(cols)) {
		// Nothing, or only a short code that may be a misread of another
		// code's bars: look across as well, and prefer a strong read.
		if r, err := bm.RotateCounterClockwise(); err == nil {
			rot := s.scanRows(ctx, r, 1/yScale, sparse, cols)
			if len(out) == 0 || len(rot) > 0 && !weakOnly(rot) {
				out = rot
			}
		}
	}
	return out
}

// anyTrue tells whether any of bs is set.
func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

// scanRows reads rows of bm (those set in only, when it is not nil).
func (s *session) scanRows(ctx context.Context, bm *gozxing.BinaryBitmap, yScale float64, sparse bool, only []bool) []hit {
	w, h := bm.GetWidth(), bm.GetHeight()
	if w < 20 || h < 1 || only != nil && !anyTrue(only) {
		return nil
	}
	n := s.d.rowsPerScan()
	step := max(1, h/n)
	if sparse {
		step = (h + n - 1) / n
	}
	counts := map[hit]int{}
	lastRow := map[hit]int{}
	rejected := map[hit]bool{}
	row := gozxing.NewBitArray(w)
	var runs, rev []int
	var todo []gozxing.Reader
	code39, code128, upc, itf := s.oneBySym[SymCode39], s.oneBySym[SymCode128], s.oneBySym[SymEAN13], s.oneBySym[SymITF]
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
		if only != nil && y < len(only) && !only[y] {
			continue
		}
		var err error
		row, err = bm.GetBlackRow(y, row)
		if err != nil || !barsEnough(row) {
			continue
		}
		runs = barRuns(row, runs)
		lead := row.GetNextSet(0)
		var trail int
		rev, trail = reversedRuns(runs, lead, rev)
		for pass := 0; pass < 2; pass++ {
			// A reader is handed the row only in a direction it could
			// read it in: it would fail slowly.
			rs, l, back, bl := runs, lead, rev, trail
			if pass == 1 {
				rs, l, back, bl = rev, trail, runs, lead
			}
			todo = todo[:0]
			upcs := 0
			for _, r := range s.ones {
				if r == upc {
					if upcs = upcFormats(rs, l); upcs == 0 {
						continue
					}
				}
				switch {
				case r == code39 && !code39Could(rs, l),
					r == code128 && !code128Could(rs, l),
					r == itf && !itfCould(rs, l, back, bl):
					continue
				}
				todo = append(todo, r)
			}
			if len(todo) == 0 {
				continue
			}
			if pass == 1 {
				row.Reverse()
			}
			for _, r := range todo {
				var res *gozxing.Result
				var err error
				if r == upc {
					res, err = s.decodeUPC(y, row, upcs)
				} else {
					res, err = r.(rowDecoder).DecodeRow(y, row, s.oneHints)
				}
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

// rowsPerScan is how many rows of an image the 1D scan visits: at most
// that many on the try-harder preparations (sparse), which are many, and
// up to twice as many on the cheap pass (the step between rows is the
// height over it, rounded down), which scans the image as it came.
func (d *Decoder) rowsPerScan() int {
	if d.o.Effort == EffortFast {
		return 32
	}
	return 256
}
