package scanner

// The Aztec reader's control flow follows gozxing's aztec.AztecReader
// (Apache-2.0, a port of ZXing's AztecReader by the ZXing authors).

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec/decoder"
	"github.com/makiuchi-d/gozxing/aztec/detector"
	"github.com/makiuchi-d/gozxing/common"
)

// noBullsEyePrefix starts the message of the error gozxing's Aztec
// detector returns when it finds no bull's eye (getBullsEyeCorners).
const noBullsEyePrefix = "NotFoundException: nbCenterLayers = "

// aztecReader reads Aztec codes as gozxing's aztec.AztecReader does, with
// the same results and errors, but without its second search, for a
// mirrored symbol, when the first found no bull's eye. The mirror search
// differs from the first only after the bull's eye is found (it swaps two
// of its corners): on the same matrix it would find the same centre, fail
// the same way, and the reader would return the first error anyway. Most
// bitmaps have no bull's eye, and the two searches were most of the
// reader's time.
type aztecReader struct{}

var _ gozxing.Reader = aztecReader{}

// DecodeWithoutHints reads an Aztec code in image without hints.
func (r aztecReader) DecodeWithoutHints(image *gozxing.BinaryBitmap) (*gozxing.Result, error) {
	return r.Decode(image, nil)
}

// Decode locates and reads an Aztec code in image as gozxing's
// AztecReader.Decode does.
func (aztecReader) Decode(image *gozxing.BinaryBitmap, hints map[gozxing.DecodeHintType]interface{}) (*gozxing.Result, error) {
	var notFoundException, formatException error
	bmp, err := image.GetBlackMatrix()
	if err != nil {
		return nil, gozxing.WrapReaderException(err)
	}
	det := detector.NewDetector(bmp)
	var points []gozxing.ResultPoint
	var decoderResult *common.DecoderResult

	detectorResult, err := det.Detect(false)
	if err != nil {
		notFoundException = gozxing.WrapNotFoundException(err)
		if noBullsEye(err) {
			return nil, notFoundException
		}
	} else {
		points = detectorResult.GetPoints()
		decoderResult, err = decoder.NewDecoder().Decode(detectorResult)
		if err != nil {
			formatException = gozxing.WrapFormatException(err)
		}
	}
	if decoderResult == nil {
		detectorResult, err = det.Detect(true)
		if err != nil {
			err = gozxing.WrapNotFoundException(err)
		} else {
			points = detectorResult.GetPoints()
			decoderResult, err = decoder.NewDecoder().Decode(detectorResult)
			if err != nil {
				err = gozxing.WrapFormatException(err)
			}
		}
	}
	if err != nil {
		if notFoundException != nil {
			return nil, notFoundException
		}
		if formatException != nil {
			return nil, formatException
		}
		return nil, gozxing.WrapReaderException(err)
	}

	if rpcb, ok := hints[gozxing.DecodeHintType_NEED_RESULT_POINT_CALLBACK].(gozxing.ResultPointCallback); ok && rpcb != nil {
		for _, point := range points {
			rpcb(point)
		}
	}
	result := gozxing.NewResultWithNumBits(
		decoderResult.GetText(),
		decoderResult.GetRawBytes(),
		decoderResult.GetNumBits(),
		points,
		gozxing.BarcodeFormat_AZTEC,
		time.Now().UnixNano()/int64(time.Millisecond))
	if byteSegments := decoderResult.GetByteSegments(); byteSegments != nil {
		result.PutMetadata(gozxing.ResultMetadataType_BYTE_SEGMENTS, byteSegments)
	}
	if ecLevel := decoderResult.GetECLevel(); ecLevel != "" {
		result.PutMetadata(gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL, ecLevel)
	}
	result.PutMetadata(gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER, "]z"+strconv.Itoa(decoderResult.GetSymbologyModifier()))
	return result, nil
}

// Reset does nothing: the reader keeps no state between reads.
func (aztecReader) Reset() {}

// noBullsEye tells whether err, from the Aztec detector's Detect, is its
// failure to find a bull's eye, by the message of the innermost error.
// Should a later gozxing word it otherwise, this says false and the
// reader only does the mirror search again, as gozxing's does.
func noBullsEye(err error) bool {
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	return strings.HasPrefix(err.Error(), noBullsEyePrefix)
}
