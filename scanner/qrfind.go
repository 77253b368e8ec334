package scanner

import (
	"errors"
	"math"
	"strconv"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	qrdetector "github.com/makiuchi-d/gozxing/qrcode/detector"
)

// findQRPatterns is gozxing's FinderPatternFinder.Find (v0.1.1) on f's
// image, walking each row it reads by runs instead of pixel by pixel:
// Find's per-pixel BitMatrix.Get was most of its time, and the state
// machine only changes at a run's first pixel. The result, f's possible
// centres and every HandlePossibleCenter call (with its i and j) are
// Find's, but for the error when it finds fewer than three centres
// (errNoQRCentres, without gozxing's stack trace); f must be new (Find is
// called once per finder).
func findQRPatterns(f *qrdetector.FinderPatternFinder, tryHarder bool) (*qrdetector.FinderPatternInfo, error) {
	m := f.GetImage()
	maxI, maxJ := m.GetHeight(), m.GetWidth()

	iSkip := (3 * maxI) / (4 * qrdetector.FinderPatternFinder_MAX_MODULES)
	if iSkip < qrdetector.FinderPatternFinder_MIN_SKIP || tryHarder {
		iSkip = qrdetector.FinderPatternFinder_MIN_SKIP
	}

	// hasSkipped is the finder's own flag, which only its FindRowSkip
	// sets and only Find reads: findRowSkip mirrors it here.
	hasSkipped := false
	done := false
	stateCount := make([]int, 5)
	var row *gozxing.BitArray
	var runs []int
	for i := iSkip - 1; i < maxI && !done; i += iSkip {
		qrdetector.FinderPatternFinder_ClearCounts(stateCount)
		currentState := 0
		runs = runs[:0]
		black := false
		if maxJ > 0 {
			row = m.GetRow(i, row)
			words := row.GetBitArray()
			runs = wordRuns(words, maxJ, runs)
			black = words[0]&1 != 0
		}
		// Runs alternate in colour; start is a run's first pixel, j the
		// pixel after it.
		j := 0
		for _, n := range runs {
			start := j
			j += n
			if black {
				black = false
				// A dark run: its first pixel moves a light state on to
				// the next (dark) one, and all of it is counted there.
				if currentState&1 == 1 {
					currentState++
				}
				stateCount[currentState] += n
				continue
			}
			black = true
			// A light run starts in an even state: the row's first run,
			// or after a dark run.
			if currentState != 4 {
				// States 0 and 2: the first light pixel starts state 1
				// or 3, and the run is counted there.
				currentState++
				stateCount[currentState] += n
				continue
			}
			// The run's first pixel ends state 4: Find looks for a
			// centre there (at j = start).
			if qrdetector.FinderPatternFinder_foundPatternCross(stateCount) &&
				f.HandlePossibleCenter(stateCount, i, start) {
				iSkip = 2
				if hasSkipped {
					done = f.HaveMultiplyConfirmedCenters()
				} else {
					var rowSkip int
					rowSkip, hasSkipped = findRowSkip(f)
					if rowSkip > stateCount[2] {
						// Find jumps down past the confirmed centres,
						// leaving the rest of the row (j = maxJ-1) with
						// counts that were just cleared.
						i += rowSkip - stateCount[2] - iSkip
						qrdetector.FinderPatternFinder_ClearCounts(stateCount)
						break
					}
				}
				// The counts start again; the light pixel that ended
				// state 4 is not counted, the rest of the run is in
				// state 1.
				qrdetector.FinderPatternFinder_ClearCounts(stateCount)
				currentState = 0
				if n > 1 {
					currentState = 1
					stateCount[1] = n - 1
				}
				continue
			}
			// No centre: the last three counts become the first three
			// and the light run is state 3's.
			qrdetector.FinderPatternFinder_ShiftCounts2(stateCount)
			currentState = 3
			stateCount[3] = n
		}
		if qrdetector.FinderPatternFinder_foundPatternCross(stateCount) {
			if f.HandlePossibleCenter(stateCount, i, maxJ) {
				iSkip = stateCount[0]
				if hasSkipped {
					done = f.HaveMultiplyConfirmedCenters()
				}
			}
		}
	}

	if len(f.GetPossibleCenters()) < 3 {
		// SelectBestPatterns would fail, building an exception with a
		// stack trace: most bitmaps have no QR code.
		return nil, errNoQRCentres
	}
	fps, err := f.SelectBestPatterns()
	if err != nil {
		return nil, err
	}
	bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(fps[0], fps[1], fps[2])
	return qrdetector.NewFinderPatternInfo(
		bl.(*qrdetector.FinderPattern), tl.(*qrdetector.FinderPattern), tr.(*qrdetector.FinderPattern)), nil
}

// errNoQRCentres is findQRPatterns's failure when it found fewer than the
// three finder patterns a QR code has.
var errNoQRCentres = errors.New("scanner: fewer than three QR finder patterns")

// findRowSkip is FinderPatternFinder.FindRowSkip over f's possible
// centres, also returning whether it set the finder's hasSkipped (two
// centres confirmed), which Find reads but gozxing does not export.
func findRowSkip(f *qrdetector.FinderPatternFinder) (int, bool) {
	centers := f.GetPossibleCenters()
	if len(centers) <= 1 {
		return 0, false
	}
	var first *qrdetector.FinderPattern
	for _, c := range centers {
		if c.GetCount() < qrdetector.FinderPatternFinder_CENTER_QUORUM {
			continue
		}
		if first == nil {
			first = c
			continue
		}
		return int((math.Abs(first.GetX()-c.GetX()) - math.Abs(first.GetY()-c.GetY())) / 2), true
	}
	return 0, false
}

// qrReader is gozxing's QRCodeReader with its finder pattern search
// replaced by findQRPatterns; its results are QRCodeReader's. The
// pure-barcode hint, and a result point callback (which findQRPatterns
// could not hand on to the detector's alignment search), go to
// gozxing's reader itself.
type qrReader struct {
	gz  *qrcode.QRCodeReader
	dec *decoder.Decoder
}

// newQRReader returns a qrReader.
func newQRReader() *qrReader {
	gz := qrcode.NewQRCodeReader().(*qrcode.QRCodeReader)
	return &qrReader{gz: gz, dec: gz.GetDecoder()}
}

// DecodeWithoutHints decodes image with no hints.
func (r *qrReader) DecodeWithoutHints(image *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	return r.Decode(image, nil)
}

// Decode is QRCodeReader.Decode: the detector's Detect (the finder
// pattern search, then ProcessFinderPatternInfo), the decoder, the
// mirrored code's point swap and the result's metadata.
func (r *qrReader) Decode(image *gozxing.BinaryBitmap, hints map[gozxing.DecodeHintType]interface{}) (*gozxing.Result, error) {
	if _, ok := hints[gozxing.DecodeHintType_PURE_BARCODE]; ok {
		return r.gz.Decode(image, hints)
	}
	if _, ok := hints[gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK]; ok {
		return r.gz.Decode(image, hints)
	}
	m, err := image.GetBlackMatrix()
	if err != nil {
		return nil, err
	}
	_, tryHarder := hints[gozxing.DecodeHintType_TRY_HARDER]
	info, err := findQRPatterns(qrdetector.NewFinderPatternFinder(m, nil), tryHarder)
	if err != nil {
		return nil, err
	}
	det, err := qrdetector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		return nil, err
	}
	dr, err := r.dec.Decode(det.GetBits(), hints)
	if err != nil {
		return nil, err
	}
	points := det.GetPoints()

	// If the code was mirrored: swap the bottom-left and the top-right points.
	if md, ok := dr.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
		md.ApplyMirroredCorrection(points)
	}

	res := gozxing.NewResult(dr.GetText(), dr.GetRawBytes(), points, gozxing.BarcodeFormat_QR_CODE)
	if segs := dr.GetByteSegments(); len(segs) > 0 {
		res.PutMetadata(gozxing.ResultMetadataType_BYTE_SEGMENTS, segs)
	}
	if ec := dr.GetECLevel(); ec != "" {
		res.PutMetadata(gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL, ec)
	}
	if dr.HasStructuredAppend() {
		res.PutMetadata(gozxing.ResultMetadataType_STRUCTURED_APPEND_SEQUENCE, dr.GetStructuredAppendSequenceNumber())
		res.PutMetadata(gozxing.ResultMetadataType_STRUCTURED_APPEND_PARITY, dr.GetStructuredAppendParity())
	}
	res.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, "]Q"+strconv.Itoa(dr.GetSymbologyModifier()))
	return res, nil
}

// Reset does nothing, as QRCodeReader's.
func (r *qrReader) Reset() {}
