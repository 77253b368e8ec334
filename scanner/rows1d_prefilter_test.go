package scanner

import (
	"math/rand"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
)

// TestRowPrefiltersKeepReadableRows renders 1D codes with gozxing's
// writers into rows at random scales and offsets (and some rows of random
// bars), flips random pixels,
// and asserts that every row one of gozxing's readers decodes (either
// way) passes that reader's prefilter: the prefilters may only skip rows
// the reader would fail on.
func TestRowPrefiltersKeepReadableRows(t *testing.T) {
	type code struct {
		f      gozxing.BarcodeFormat
		w      gozxing.Writer
		text   string
		r      rowDecoder
		filter func(runs []int, lead int) bool
	}
	upc := oned.NewMultiFormatUPCEANReader(nil).(rowDecoder)
	upcFilter := upcStart
	codes := []code{
		{gozxing.BarcodeFormat_EAN_13, oned.NewEAN13Writer(), "5901234123457", upc, upcFilter},
		{gozxing.BarcodeFormat_EAN_8, oned.NewEAN8Writer(), "96385074", upc, upcFilter},
		{gozxing.BarcodeFormat_UPC_E, oned.NewUPCEWriter(), "01234565", upc, upcFilter},
		{gozxing.BarcodeFormat_UPC_A, oned.NewUPCAWriter(), "036000291452", upc, upcFilter},
		{gozxing.BarcodeFormat_CODE_39, oned.NewCode39Writer(), "PARCEL42", oned.NewCode39Reader().(rowDecoder),
			func(runs []int, _ int) bool { return code39Start(runs) }},
		{gozxing.BarcodeFormat_CODE_128, oned.NewCode128Writer(), "1Z999AA10123456784", oned.NewCode128Reader().(rowDecoder),
			func(runs []int, _ int) bool { return code128Start(runs) }},
		{gozxing.BarcodeFormat_ITF, oned.NewITFWriter(), "00012345678905", oned.NewITFReader().(rowDecoder), itfStart},
		{gozxing.BarcodeFormat_ITF, oned.NewITFWriter(), "123456", oned.NewITFReader().(rowDecoder), itfStart},
	}
	rng := rand.New(rand.NewSource(1))
	for _, c := range codes {
		t.Run(c.f.String(), func(t *testing.T) {
			m, err := c.w.Encode(c.text, c.f, 0, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			decoded, skipped := 0, 0
			for n := 0; n < 3000; n++ {
				base := m.GetWidth()
				scale := 1 + rng.Float64()*3
				w := int(float64(base)*scale) + rng.Intn(40)
				off := rng.Intn(30)
				row := gozxing.NewBitArray(w + off)
				for x := 0; x < w; x++ {
					if sx := int(float64(x) / scale); sx < base && m.Get(sx, 0) {
						row.Set(x + off)
					}
				}
				if n%3 == 0 {
					// Bars of random widths instead: rows the
					// prefilters should mostly skip.
					row = gozxing.NewBitArray(w + off)
					for x, black := off, true; x < w+off; black = !black {
						l := 1 + rng.Intn(5)
						for i := x; i < min(x+l, w+off) && black; i++ {
							row.Set(i)
						}
						x += l
					}
				}
				for k := rng.Intn(8); k > 0; k-- {
					row.Flip(rng.Intn(row.GetSize()))
				}
				pass := c.filter(barRuns(row, nil), row.GetNextSet(0))
				if !pass {
					skipped++
				}
				for dir := 0; dir < 2; dir++ {
					if dir == 1 {
						row.Reverse()
					}
					if _, err := c.r.DecodeRow(0, row, nil); err == nil && !pass {
						t.Fatalf("row decodes but the prefilter skips it: %v", row)
					} else if err == nil {
						decoded++
					}
				}
			}
			if decoded == 0 || skipped == 0 {
				// Both must happen for the test to mean anything.
				t.Fatalf("decoded %d rows, skipped %d: the test rows are not varied enough", decoded, skipped)
			}
		})
	}
}
