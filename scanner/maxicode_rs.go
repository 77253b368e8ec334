package scanner

// Reed-Solomon correction of MaxiCode codewords over GF(64), without
// allocating. The reader tries a symbol's primary message at many grid
// placements, nearly all of them on images without MaxiCode, and
// gozxing's decoder allocated its polynomials anew at every try (124 MB
// over the sample corpus). This one decodes to the same result: both
// find the codeword within half the check codewords' count of the
// received words, when there is one (gozxing's error locator has at most
// that degree, and correct checks that its result is a codeword), and
// fail otherwise; maxicode_ref_test.go compares the two.

// maxiGFTables holds the multiplication table of GF(64) (primitive
// polynomial x⁶+x+1, as gozxing's MAXICODE_FIELD_64) and its powers of
// α and their logarithms.
type maxiGFTables struct {
	mul [64][64]byte
	exp [63]byte // α^i
	log [64]byte // log[α^i] = i; log[0] unused
}

// maxiGF is the constant table of GF(64).
var maxiGF = func() *maxiGFTables {
	t := &maxiGFTables{}
	x := 1
	for i := range 63 {
		t.exp[i] = byte(x)
		t.log[x] = byte(i)
		x <<= 1
		if x >= 64 {
			x ^= 0x43
		}
	}
	for a := 1; a < 64; a++ {
		for b := 1; b < 64; b++ {
			t.mul[a][b] = t.exp[(int(t.log[a])+int(t.log[b]))%63]
		}
	}
	return t
}()

// maxiGFInv returns the inverse of the non-zero a.
func maxiGFInv(a byte) byte {
	return maxiGF.exp[(63-int(maxiGF.log[a]))%63]
}

// maxiRS corrects MaxiCode codewords (Reed-Solomon over GF(64), generator
// base 1). It holds no state: the field is a constant table.
type maxiRS struct{}

// newMaxiRS returns a corrector.
func newMaxiRS() *maxiRS {
	return &maxiRS{}
}

// correct fixes the codewords cw[start:start+n] (data then ecc), all of
// them or only the even or odd ones (parity 0 or 1, -1 for all), with ec
// check codewords among the n. It fails when the errors are beyond repair
// or the result is not a codeword.
func (r *maxiRS) correct(cw []byte, start, n, ec, parity int) error {
	step, first := 1, 0
	if parity >= 0 {
		step, first = 2, parity
		ec /= 2
	}
	var buf [maxiCodewords]byte
	k := 0
	for i := first; i < n; i += step {
		buf[k] = cw[start+i]
		k++
	}
	if !maxiFixBlock(buf[:k], ec) {
		return errMaxiChecksum
	}
	for i, k := first, 0; i < n; i, k = i+step, k+1 {
		cw[start+i] = buf[k]
	}
	return nil
}

// maxiSyndromes stores in s the ec syndromes of words (first word the
// highest power): s[j] is their polynomial at α^(j+1). It tells whether
// all are zero, i.e. words are a codeword.
func maxiSyndromes(words []byte, s []byte) bool {
	zero := true
	for j := range s {
		x := maxiGF.exp[(j+1)%63]
		v := byte(0)
		for _, w := range words {
			v = maxiGF.mul[v][x] ^ w
		}
		s[j] = v
		if v != 0 {
			zero = false
		}
	}
	return zero
}

// maxiFixBlock corrects words (len(words) ≤ 63, ec of them check words,
// ec even) in place to the codeword within ec/2 symbol errors of them
// (Berlekamp-Massey, Chien search, Forney), and tells whether there is
// one. words is left as it was when there is not.
func maxiFixBlock(words []byte, ec int) bool {
	n := len(words)
	if n > 63 || ec <= 0 || ec > n {
		return false
	}
	for _, w := range words {
		if w >= 64 {
			return false
		}
	}
	var s [64]byte
	if maxiSyndromes(words, s[:ec]) {
		return true
	}
	// Berlekamp-Massey: the shortest LFSR c (c[0] = 1) generating the
	// syndromes is the error locator.
	var c, b [64]byte
	c[0], b[0] = 1, 1
	l, m, bd := 0, 1, byte(1)
	for i := range ec {
		d := s[i]
		for j := 1; j <= l; j++ {
			d ^= maxiGF.mul[c[j]][s[i-j]]
		}
		if d == 0 {
			m++
			continue
		}
		f := maxiGF.mul[d][maxiGFInv(bd)]
		t := c
		for j := 0; j+m < len(c); j++ {
			c[j+m] ^= maxiGF.mul[f][b[j]]
		}
		if 2*l <= i {
			l, b, bd, m = i+1-l, t, d, 1
		} else {
			m++
		}
	}
	if l > ec/2 {
		return false
	}
	// Chien search over the block's positions: position p holds the
	// coefficient of x^(n-1-p), its locator α^(n-1-p).
	var pos [32]int
	var xinv [32]byte
	roots := 0
	for p := range n {
		k := n - 1 - p
		xi := maxiGF.exp[(63-k)%63]
		v, pw := byte(0), byte(1)
		for j := 0; j <= l; j++ {
			v ^= maxiGF.mul[c[j]][pw]
			pw = maxiGF.mul[pw][xi]
		}
		if v == 0 {
			if roots == l {
				return false
			}
			pos[roots], xinv[roots] = p, xi
			roots++
		}
	}
	if roots != l {
		return false
	}
	// Forney (generator base 1): the error at X is Ω(1/X) / Λ'(1/X),
	// Ω = S·Λ mod x^ec.
	var omega [64]byte
	for i := range ec {
		v := byte(0)
		for j := 0; j <= i && j <= l; j++ {
			v ^= maxiGF.mul[s[i-j]][c[j]]
		}
		omega[i] = v
	}
	var fixed [64]byte
	copy(fixed[:n], words)
	for r := range roots {
		xi := xinv[r]
		num, pw := byte(0), byte(1)
		for i := range ec {
			num ^= maxiGF.mul[omega[i]][pw]
			pw = maxiGF.mul[pw][xi]
		}
		// Λ'(x) keeps the odd terms: Σ c[j]·x^(j-1), j odd.
		den, pw2 := byte(0), byte(1)
		xi2 := maxiGF.mul[xi][xi]
		for j := 1; j <= l; j += 2 {
			den ^= maxiGF.mul[c[j]][pw2]
			pw2 = maxiGF.mul[pw2][xi2]
		}
		if den == 0 {
			return false
		}
		fixed[pos[r]] ^= maxiGF.mul[num][maxiGFInv(den)]
	}
	if !maxiSyndromes(fixed[:n], s[:ec]) {
		return false
	}
	copy(words, fixed[:n])
	return true
}
