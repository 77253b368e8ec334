package scanner

import "errors"

// Reed-Solomon error correction of PDF417 codewords over GF(929) with
// generator 3, after zxing's pdf417.decoder.ec package (Apache-2.0).

const gf929 = 929

var errPDF417Checksum = errors.New("scanner: pdf417: too many errors")

// gf929Tables holds the exponent and log tables of GF(929).
type gf929Tables struct {
	exp [gf929]int
	log [gf929]int
}

func newGF929() *gf929Tables {
	t := &gf929Tables{}
	x := 1
	for i := 0; i < gf929; i++ {
		t.exp[i] = x
		x = x * 3 % gf929
	}
	for i := 0; i < gf929-1; i++ {
		t.log[t.exp[i]] = i
	}
	return t
}

func (t *gf929Tables) mul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	return t.exp[(t.log[a]+t.log[b])%(gf929-1)]
}

func (t *gf929Tables) inv(a int) int { return t.exp[gf929-1-t.log[a]] }

func gfAdd(a, b int) int { return (a + b) % gf929 }
func gfSub(a, b int) int { return (gf929 + a - b) % gf929 }

// gfPoly is a polynomial over GF(929), highest degree first, with no
// leading zeros (except the zero polynomial {0}).
type gfPoly []int

func mkPoly(c []int) gfPoly {
	i := 0
	for i < len(c)-1 && c[i] == 0 {
		i++
	}
	return gfPoly(append([]int(nil), c[i:]...))
}

func (p gfPoly) degree() int { return len(p) - 1 }
func (p gfPoly) zero() bool  { return p[0] == 0 }
func (p gfPoly) coef(deg int) int {
	return p[len(p)-1-deg]
}

// eval returns p(x) by Horner's rule. GF(929) is the integers modulo 929,
// so for x and the coefficients in the field (0 to 928; larger ones are
// reduced alike) each step is an integer product and sum modulo 929,
// which the log tables (mul) give too, slower. Other inputs take the
// tables' way (evalTables), as they always did.
func (t *gf929Tables) eval(p gfPoly, x int) int {
	if x == 0 {
		return p.coef(0)
	}
	if x < 0 || x >= gf929 {
		return t.evalTables(p, x)
	}
	r := 0
	for _, c := range p {
		if c < 0 {
			return t.evalTables(p, x)
		}
		r = (x*r + c) % gf929
	}
	return r
}

// evalTables is eval step by step with mul and gfAdd.
func (t *gf929Tables) evalTables(p gfPoly, x int) int {
	r := 0
	for _, c := range p {
		r = gfAdd(t.mul(x, r), c)
	}
	return r
}

func polyAdd(a, b gfPoly) gfPoly {
	if a.zero() {
		return b
	}
	if b.zero() {
		return a
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	out := append([]int(nil), a...)
	d := len(a) - len(b)
	for i, c := range b {
		out[d+i] = gfAdd(out[d+i], c)
	}
	return mkPoly(out)
}

func polyNeg(a gfPoly) gfPoly {
	out := make([]int, len(a))
	for i, c := range a {
		out[i] = gfSub(0, c)
	}
	return mkPoly(out)
}

func (t *gf929Tables) polyMul(a, b gfPoly) gfPoly {
	if a.zero() || b.zero() {
		return gfPoly{0}
	}
	out := make([]int, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] = gfAdd(out[i+j], t.mul(x, y))
		}
	}
	return mkPoly(out)
}

func (t *gf929Tables) monomial(deg, c int) gfPoly {
	if c == 0 {
		return gfPoly{0}
	}
	out := make([]int, deg+1)
	out[0] = c
	return out
}

func (t *gf929Tables) polyScale(a gfPoly, c int) gfPoly {
	out := make([]int, len(a))
	for i, x := range a {
		out[i] = t.mul(x, c)
	}
	return mkPoly(out)
}

// correctPDF417 corrects codewords (data and error correction, in symbol
// order) in place, given the number of error correction codewords and the
// positions of unread codewords (erasures, which cost half an error
// each). It returns the number of corrected codewords.
func correctPDF417(gf *gf929Tables, cw []int, numEC int, erasures []int) (int, error) {
	if len(erasures) > numEC-min(4, numEC/2) {
		return 0, errPDF417Checksum
	}
	p := mkPoly(cw)
	synd := make([]int, numEC)
	bad := false
	for i := numEC; i > 0; i-- {
		v := gf.eval(p, gf.exp[i])
		synd[numEC-i] = v
		if v != 0 {
			bad = true
		}
	}
	if !bad {
		return 0, nil
	}
	n := len(cw)
	// The erasure locator: the product of (1 - Y x), Y = 3^(n-1-pos).
	gamma := gfPoly{1}
	for _, pos := range erasures {
		y := gf.exp[(n-1-pos)%(gf929-1)]
		gamma = gf.polyMul(gamma, mkPoly([]int{gfSub(0, y), 1}))
	}
	// Forney syndromes: S times gamma, mod x^numEC.
	sg := gf.polyMul(mkPoly(synd), gamma)
	if len(sg) > numEC {
		sg = mkPoly(sg[len(sg)-numEC:])
	}
	e := len(erasures)
	// Euclid's algorithm for the error locator and the evaluator.
	rLast, r := gf.monomial(numEC, 1), sg
	tLast, tt := gfPoly{0}, gfPoly{1}
	for !r.zero() && r.degree() >= (numEC+e+1)/2 {
		rLastLast, tLastLast := rLast, tLast
		rLast, tLast = r, tt
		r = rLastLast
		q := gfPoly{0}
		dlInv := gf.inv(rLast.coef(rLast.degree()))
		for r.degree() >= rLast.degree() && !r.zero() {
			diff := r.degree() - rLast.degree()
			scale := gf.mul(r.coef(r.degree()), dlInv)
			q = polyAdd(q, gf.monomial(diff, scale))
			r = polyAdd(r, polyNeg(gf.polyMul(gf.monomial(diff, 1), gf.polyScale(rLast, scale))))
		}
		tt = polyAdd(polyNeg(gf.polyMul(q, tLast)), tLastLast)
	}
	lambda := gf.polyMul(tt, gamma)
	sig0 := lambda.coef(0)
	if sig0 == 0 {
		return 0, errPDF417Checksum
	}
	inv := gf.inv(sig0)
	lambda, omega := gf.polyScale(lambda, inv), gf.polyScale(r, inv)
	// Chien search.
	// Keep a margin of check codewords unused: a word corrected with
	// all of them is a codeword whatever was read.
	nerr := lambda.degree()
	if nerr < e || 2*(nerr-e)+e > numEC-min(4, numEC/2) {
		return 0, errPDF417Checksum
	}
	var locs []int
	for i := 1; i < gf929 && len(locs) < nerr; i++ {
		if gf.eval(lambda, i) == 0 {
			locs = append(locs, gf.inv(i))
		}
	}
	if len(locs) != nerr {
		return 0, errPDF417Checksum
	}
	// Forney, with the formal derivative of lambda.
	deg := lambda.degree()
	der := make([]int, deg)
	for i := 1; i <= deg; i++ {
		der[deg-i] = gf.mul(i%gf929, lambda.coef(i))
	}
	dpoly := mkPoly(der)
	for _, loc := range locs {
		xi := gf.inv(loc)
		num := gfSub(0, gf.eval(omega, xi))
		dv := gf.eval(dpoly, xi)
		if dv == 0 {
			return 0, errPDF417Checksum
		}
		mag := gf.mul(num, gf.inv(dv))
		pos := n - 1 - gf.log[loc]
		if pos < 0 {
			return 0, errPDF417Checksum
		}
		cw[pos] = gfSub(cw[pos], mag)
	}
	return nerr, nil
}
