package scanner

import (
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// BenchmarkMaxiCodeCorpus runs the MaxiCode search and reads (as
// decodeMaxiCode does) on the binarized sample corpus, nearly all of it
// without MaxiCode: the reader's cost where it finds nothing.
func BenchmarkMaxiCodeCorpus(b *testing.B) {
	var ms []*gozxing.BitMatrix
	for _, s := range loadSamples(b, samplesDir(b)) {
		g := readGray(b, s.path, DecodeOptions{}.withDefaults().MaxSide)
		bm, _ := gozxing.NewBinaryBitmap(newHybridBinarizer(newGrayLuminance(g)))
		if m, err := bm.GetBlackMatrix(); err == nil {
			ms = append(ms, m)
		}
	}
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	read := 0
	for i := 0; i < b.N; i++ {
		read = 0
		for _, m := range ms {
			rs := newMaxiRS()
			for _, bu := range findBullseyes(m) {
				if _, ok := readBullseye(m, bu, rs); ok {
					read++
					break
				}
			}
		}
	}
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
	b.ReportMetric(float64(read), "read")
}
