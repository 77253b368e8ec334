package scanner

// A MaxiCode reader (ISO/IEC 16023), the symbol on every UPS label: 33
// rows of hexagons around a bullseye, 144 six-bit codewords. The codeword
// layout table, the Reed-Solomon split of the primary and secondary
// messages, the code sets and the structured carrier message of modes 2
// and 3 follow zxing's MaxiCode decoder (com.google.zxing.maxicode,
// Copyright 2011 ZXing authors) and its C++ port in zxing-cpp (Copyright
// 2016 Nu-book Inc.), both under the Apache License 2.0 (see
// testdata/zxing-samples/LICENSE). This file is our own Go rendering of
// them; the detector in maxicode_detect.go is ours.

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

var (
	errMaxiChecksum = errors.New("scanner: maxicode: too many codeword errors")
	errMaxiMode     = errors.New("scanner: maxicode: unknown mode")
	errMaxiFormat   = errors.New("scanner: maxicode: malformed message")
	errMaxiECI      = errors.New("scanner: maxicode: unsupported character set (ECI)")
)

// maxiRows and maxiCols are the size of the module grid: odd rows are
// shifted right by half a module and have one module less.
const (
	maxiRows = 33
	maxiCols = 30
	// maxiCodewords is how many six-bit codewords a symbol holds.
	maxiCodewords = 144
	// maxiPrimaryWords is how many of them, first, are the primary message:
	// 10 data and 10 check codewords.
	maxiPrimaryWords = 20
)

// maxiBitNr gives, for each module of the grid, the number of the
// codeword bit it holds (codeword bit/6, bit 5-bit%6 of it, most
// significant first), or -2 for a dark and -1 for a light fixed module
// (the orientation modules round the bullseye, two at the top right), -3
// for the bullseye and the missing last module of odd rows.
var maxiBitNr = [maxiRows][maxiCols]int16{
	{121, 120, 127, 126, 133, 132, 139, 138, 145, 144, 151, 150, 157, 156, 163, 162, 169, 168, 175, 174, 181, 180, 187, 186, 193, 192, 199, 198, -2, -2},
	{123, 122, 129, 128, 135, 134, 141, 140, 147, 146, 153, 152, 159, 158, 165, 164, 171, 170, 177, 176, 183, 182, 189, 188, 195, 194, 201, 200, 816, -3},
	{125, 124, 131, 130, 137, 136, 143, 142, 149, 148, 155, 154, 161, 160, 167, 166, 173, 172, 179, 178, 185, 184, 191, 190, 197, 196, 203, 202, 818, 817},
	{283, 282, 277, 276, 271, 270, 265, 264, 259, 258, 253, 252, 247, 246, 241, 240, 235, 234, 229, 228, 223, 222, 217, 216, 211, 210, 205, 204, 819, -3},
	{285, 284, 279, 278, 273, 272, 267, 266, 261, 260, 255, 254, 249, 248, 243, 242, 237, 236, 231, 230, 225, 224, 219, 218, 213, 212, 207, 206, 821, 820},
	{287, 286, 281, 280, 275, 274, 269, 268, 263, 262, 257, 256, 251, 250, 245, 244, 239, 238, 233, 232, 227, 226, 221, 220, 215, 214, 209, 208, 822, -3},
	{289, 288, 295, 294, 301, 300, 307, 306, 313, 312, 319, 318, 325, 324, 331, 330, 337, 336, 343, 342, 349, 348, 355, 354, 361, 360, 367, 366, 824, 823},
	{291, 290, 297, 296, 303, 302, 309, 308, 315, 314, 321, 320, 327, 326, 333, 332, 339, 338, 345, 344, 351, 350, 357, 356, 363, 362, 369, 368, 825, -3},
	{293, 292, 299, 298, 305, 304, 311, 310, 317, 316, 323, 322, 329, 328, 335, 334, 341, 340, 347, 346, 353, 352, 359, 358, 365, 364, 371, 370, 827, 826},
	{409, 408, 403, 402, 397, 396, 391, 390, 79, 78, -2, -2, 13, 12, 37, 36, 2, -1, 44, 43, 109, 108, 385, 384, 379, 378, 373, 372, 828, -3},
	{411, 410, 405, 404, 399, 398, 393, 392, 81, 80, 40, -2, 15, 14, 39, 38, 3, -1, -1, 45, 111, 110, 387, 386, 381, 380, 375, 374, 830, 829},
	{413, 412, 407, 406, 401, 400, 395, 394, 83, 82, 41, -3, -3, -3, -3, -3, 5, 4, 47, 46, 113, 112, 389, 388, 383, 382, 377, 376, 831, -3},
	{415, 414, 421, 420, 427, 426, 103, 102, 55, 54, 16, -3, -3, -3, -3, -3, -3, -3, 20, 19, 85, 84, 433, 432, 439, 438, 445, 444, 833, 832},
	{417, 416, 423, 422, 429, 428, 105, 104, 57, 56, -3, -3, -3, -3, -3, -3, -3, -3, 22, 21, 87, 86, 435, 434, 441, 440, 447, 446, 834, -3},
	{419, 418, 425, 424, 431, 430, 107, 106, 59, 58, -3, -3, -3, -3, -3, -3, -3, -3, -3, 23, 89, 88, 437, 436, 443, 442, 449, 448, 836, 835},
	{481, 480, 475, 474, 469, 468, 48, -2, 30, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, 0, 53, 52, 463, 462, 457, 456, 451, 450, 837, -3},
	{483, 482, 477, 476, 471, 470, 49, -1, -2, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -2, -1, 465, 464, 459, 458, 453, 452, 839, 838},
	{485, 484, 479, 478, 473, 472, 51, 50, 31, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, 1, -2, 42, 467, 466, 461, 460, 455, 454, 840, -3},
	{487, 486, 493, 492, 499, 498, 97, 96, 61, 60, -3, -3, -3, -3, -3, -3, -3, -3, -3, 26, 91, 90, 505, 504, 511, 510, 517, 516, 842, 841},
	{489, 488, 495, 494, 501, 500, 99, 98, 63, 62, -3, -3, -3, -3, -3, -3, -3, -3, 28, 27, 93, 92, 507, 506, 513, 512, 519, 518, 843, -3},
	{491, 490, 497, 496, 503, 502, 101, 100, 65, 64, 17, -3, -3, -3, -3, -3, -3, -3, 18, 29, 95, 94, 509, 508, 515, 514, 521, 520, 845, 844},
	{559, 558, 553, 552, 547, 546, 541, 540, 73, 72, 32, -3, -3, -3, -3, -3, -3, 10, 67, 66, 115, 114, 535, 534, 529, 528, 523, 522, 846, -3},
	{561, 560, 555, 554, 549, 548, 543, 542, 75, 74, -2, -1, 7, 6, 35, 34, 11, -2, 69, 68, 117, 116, 537, 536, 531, 530, 525, 524, 848, 847},
	{563, 562, 557, 556, 551, 550, 545, 544, 77, 76, -2, 33, 9, 8, 25, 24, -1, -2, 71, 70, 119, 118, 539, 538, 533, 532, 527, 526, 849, -3},
	{565, 564, 571, 570, 577, 576, 583, 582, 589, 588, 595, 594, 601, 600, 607, 606, 613, 612, 619, 618, 625, 624, 631, 630, 637, 636, 643, 642, 851, 850},
	{567, 566, 573, 572, 579, 578, 585, 584, 591, 590, 597, 596, 603, 602, 609, 608, 615, 614, 621, 620, 627, 626, 633, 632, 639, 638, 645, 644, 852, -3},
	{569, 568, 575, 574, 581, 580, 587, 586, 593, 592, 599, 598, 605, 604, 611, 610, 617, 616, 623, 622, 629, 628, 635, 634, 641, 640, 647, 646, 854, 853},
	{727, 726, 721, 720, 715, 714, 709, 708, 703, 702, 697, 696, 691, 690, 685, 684, 679, 678, 673, 672, 667, 666, 661, 660, 655, 654, 649, 648, 855, -3},
	{729, 728, 723, 722, 717, 716, 711, 710, 705, 704, 699, 698, 693, 692, 687, 686, 681, 680, 675, 674, 669, 668, 663, 662, 657, 656, 651, 650, 857, 856},
	{731, 730, 725, 724, 719, 718, 713, 712, 707, 706, 701, 700, 695, 694, 689, 688, 683, 682, 677, 676, 671, 670, 665, 664, 659, 658, 653, 652, 858, -3},
	{733, 732, 739, 738, 745, 744, 751, 750, 757, 756, 763, 762, 769, 768, 775, 774, 781, 780, 787, 786, 793, 792, 799, 798, 805, 804, 811, 810, 860, 859},
	{735, 734, 741, 740, 747, 746, 753, 752, 759, 758, 765, 764, 771, 770, 777, 776, 783, 782, 789, 788, 795, 794, 801, 800, 807, 806, 813, 812, 861, -3},
	{737, 736, 743, 742, 749, 748, 755, 754, 761, 760, 767, 766, 773, 772, 779, 778, 785, 784, 791, 790, 797, 796, 803, 802, 809, 808, 815, 814, 863, 862},
}

// maxiCodewordsOf gathers the first n codewords from the module grid
// (the others are left zero): dark(x, y) tells whether module x of row y
// is dark.
func maxiCodewordsOf(dark func(x, y int) bool, n int) [maxiCodewords]byte {
	var cw [maxiCodewords]byte
	for b, xy := range maxiBitXY[:6*n] {
		if dark(int(xy[0]), int(xy[1])) {
			cw[b/6] |= 1 << (5 - b%6)
		}
	}
	return cw
}

// maxiBitXY inverts maxiBitNr: the module (column, row) of each codeword
// bit. The reader samples the primary message's 120 bits at every grid
// it tries; walking the whole grid for them cost more than sampling.
var maxiBitXY = func() (xy [6 * maxiCodewords][2]uint8) {
	for y := range maxiRows {
		for x := range maxiCols {
			if b := maxiBitNr[y][x]; b >= 0 {
				xy[b] = [2]uint8{uint8(x), uint8(y)}
			}
		}
	}
	return xy
}()

// maxiDecode corrects a symbol's codewords and decodes its message. It
// returns the text and the symbol's mode (2 to 6).
func (r *maxiRS) decode(raw [maxiCodewords]byte) (string, int, error) {
	cw := raw
	// The primary message: 10 data and 10 check codewords, always.
	if err := r.correct(cw[:], 0, maxiPrimaryWords, maxiPrimaryWords/2, -1); err != nil {
		return "", 0, err
	}
	mode := int(cw[0] & 0x0f)
	var data int
	switch mode {
	case 2, 3, 4, 6:
		data = 84 // standard error correction: 84 data, 40 check
	case 5:
		data = 68 // enhanced: 68 data, 56 check
	default:
		return "", mode, errMaxiMode
	}
	// The secondary message: the even and the odd codewords are two
	// Reed-Solomon blocks.
	for parity := range 2 {
		if err := r.correct(cw[:], 20, 124, 124-data, parity); err != nil {
			return "", mode, err
		}
	}
	words := make([]byte, 0, 10+data)
	words = append(words, cw[:10]...)
	words = append(words, cw[20:20+data]...)
	text, err := maxiText(words, mode)
	if err != nil {
		return "", mode, err
	}
	return text, mode, nil
}

// Code set control characters, above the byte values in maxiSets.
const (
	mcShiftA = 0x100 + iota // shift to set A..E for one character
	mcShiftB
	mcShiftC
	mcShiftD
	mcShiftE
	mc2ShiftA // shift to set A for two characters
	mc3ShiftA // and three
	mcLatchA
	mcLatchB
	mcLock // lock in the shifted set (C, D, E)
	mcECI
	mcNS // numeric shift: nine digits in the next five codewords
	mcPad
)

// maxiSets are the code sets A to E (ISO/IEC 16023 table 1): byte values
// (ISO 8859-1) or control characters.
var maxiSets = [5][64]int16{
	{ // A
		'\r', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
		'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', mcECI, 0x1c, 0x1d, 0x1e, mcNS,
		' ', mcPad, '"', '#', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
		'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', mcShiftB, mcShiftC, mcShiftD, mcShiftE, mcLatchB,
	},
	{ // B
		'`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
		'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', mcECI, 0x1c, 0x1d, 0x1e, mcNS,
		'{', mcPad, '}', '~', 0x7f, ';', '<', '=', '>', '?', '[', '\\', ']', '^', '_', ' ',
		',', '.', '/', ':', '@', '!', '|', mcPad, mc2ShiftA, mc3ShiftA, mcPad, mcShiftA, mcShiftC, mcShiftD, mcShiftE, mcLatchA,
	},
	{ // C
		0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
		0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, mcECI, 0x1c, 0x1d, 0x1e, mcNS,
		0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xaa, 0xac, 0xb1, 0xb2, 0xb3, 0xb5, 0xb9, 0xba, 0xbc, 0xbd, 0xbe,
		0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, mcLatchA, ' ', mcLock, mcShiftD, mcShiftE, mcLatchB,
	},
	{ // D
		0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, mcECI, 0x1c, 0x1d, 0x1e, mcNS,
		0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0xa1, 0xa8, 0xab, 0xaf, 0xb0, 0xb4, 0xb7, 0xb8, 0xbb, 0xbf, 0x8a,
		0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, mcLatchA, ' ', mcShiftC, mcLock, mcShiftE, mcLatchB,
	},
	{ // E
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, mcECI, mcPad, mcPad, 0x1b, mcNS,
		0x1c, 0x1d, 0x1e, 0x1f, 0x9f, 0xa0, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa9, 0xad, 0xae, 0xb6,
		0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, mcLatchA, ' ', mcShiftC, mcShiftD, mcLock, mcLatchB,
	},
}

// maxiText decodes the data codewords of a symbol of the given mode (the
// 10 of the primary message, then the secondary message's).
func maxiText(words []byte, mode int) (string, error) {
	for _, w := range words {
		if w >= 64 {
			return "", errMaxiFormat
		}
	}
	switch mode {
	case 2, 3:
		if len(words) < 94 {
			return "", errMaxiFormat
		}
		head, err := maxiCarrierFields(words, mode)
		if err != nil {
			return "", err
		}
		msg, err := maxiMessage(words[10:94])
		if err != nil {
			return "", err
		}
		// The postal code, country and service class go after the
		// transportation message's header ("[)>" RS "01" GS and a
		// two-digit year), or first when there is none.
		if strings.HasPrefix(msg, "[)>\x1e01\x1d") && len(msg) >= 9 {
			return msg[:9] + head + msg[9:], nil
		}
		return head + msg, nil
	case 4, 6:
		if len(words) < 94 {
			return "", errMaxiFormat
		}
		return maxiMessage(words[1:94])
	case 5:
		if len(words) < 78 {
			return "", errMaxiFormat
		}
		return maxiMessage(words[1:78])
	}
	return "", errMaxiMode
}

// maxiBits reads the bits numbered nrs (1 = the most significant bit of
// the first codeword) of words as a number, first bit highest.
func maxiBits(words []byte, nrs ...int) int {
	v := 0
	for _, n := range nrs {
		n--
		v = v<<1 | int(words[n/6]>>(5-n%6)&1)
	}
	return v
}

// maxiCarrierFields reads the postal code, country and service class of
// a structured carrier message (modes 2 and 3) from the primary message,
// each followed by GS.
func maxiCarrierFields(words []byte, mode int) (string, error) {
	var post string
	if mode == 2 {
		// A number of up to nine digits with its length.
		n := maxiBits(words, 39, 40, 41, 42, 31, 32)
		v := maxiBits(words, 33, 34, 35, 36, 25, 26, 27, 28, 29, 30, 19, 20, 21, 22, 23, 24,
			13, 14, 15, 16, 17, 18, 7, 8, 9, 10, 11, 12, 1, 2)
		post = fmt.Sprintf("%0*d", n, v)
		if n < 1 || n > 9 || len(post) != n {
			return "", errMaxiFormat
		}
	} else {
		// Six characters of code set A.
		var b strings.Builder
		for _, bits := range [6][6]int{
			{39, 40, 41, 42, 31, 32}, {33, 34, 35, 36, 25, 26}, {27, 28, 29, 30, 19, 20},
			{21, 22, 23, 24, 13, 14}, {15, 16, 17, 18, 7, 8}, {9, 10, 11, 12, 1, 2},
		} {
			c := maxiSets[0][maxiBits(words, bits[:]...)]
			if c >= 0x100 || c < ' ' {
				return "", errMaxiFormat
			}
			b.WriteByte(byte(c))
		}
		post = b.String()
	}
	country := maxiBits(words, 53, 54, 43, 44, 45, 46, 47, 48, 37, 38)
	service := maxiBits(words, 55, 56, 57, 58, 59, 60, 49, 50, 51, 52)
	if country > 999 || service > 999 {
		return "", errMaxiFormat
	}
	return fmt.Sprintf("%s\x1d%03d\x1d%03d\x1d", post, country, service), nil
}

// maxiMessage decodes codewords with the code sets, shifts, latches,
// numeric shifts and character set switches (ECI) of ISO/IEC 16023.
// The bytes are ISO 8859-1 unless an ECI says UTF-8.
func maxiMessage(words []byte) (string, error) {
	var out strings.Builder
	var seg []byte // bytes in the current character set
	utf := false
	flush := func() error {
		if utf {
			if !utf8.Valid(seg) {
				return errMaxiFormat
			}
			out.Write(seg)
		} else {
			for _, c := range seg {
				out.WriteRune(rune(c))
			}
		}
		seg = seg[:0]
		return nil
	}
	set, saved, shift := 0, 0, -1 // shift: characters left in a shifted set
	for i := 0; i < len(words); i++ {
		c := maxiSets[set][words[i]]
		switch c {
		case mcLatchA:
			set, shift = 0, -1
			continue
		case mcLatchB:
			set, shift = 1, -1
			continue
		case mcShiftA, mcShiftB, mcShiftC, mcShiftD, mcShiftE:
			saved, set, shift = set, int(c-mcShiftA), 1
			continue
		case mc2ShiftA, mc3ShiftA:
			saved, set, shift = set, 0, 2+int(c-mc2ShiftA)
			continue
		case mcLock:
			shift = -1
			continue
		case mcNS:
			if i+5 >= len(words) {
				return "", errMaxiFormat
			}
			v := 0
			for k := 1; k <= 5; k++ {
				v = v<<6 | int(words[i+k])
			}
			i += 5
			if v > 999999999 {
				return "", errMaxiFormat
			}
			seg = fmt.Appendf(seg, "%09d", v)
		case mcECI:
			eci, n, err := maxiECI(words[i+1:])
			if err != nil {
				return "", err
			}
			i += n
			if err := flush(); err != nil {
				return "", err
			}
			switch eci {
			case 1, 3, 27, 170: // ISO 8859-1 and its ASCII subsets
				utf = false
			case 26:
				utf = true
			default:
				return "", errMaxiECI
			}
		case mcPad:
			if i == 0 && i+1 < len(words) {
				// Structured append: the next codeword tells the
				// symbol's place in its sequence; the text is read
				// alone.
				i++
			}
		default:
			seg = append(seg, byte(c))
		}
		if shift > 0 {
			shift--
			if shift == 0 {
				set, shift = saved, -1
			}
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	return out.String(), nil
}

// maxiECI reads an ECI number from the codewords after the ECI character
// (ISO/IEC 16023 table 3) and returns it and how many codewords it took.
func maxiECI(w []byte) (int, int, error) {
	if len(w) == 0 {
		return 0, 0, errMaxiFormat
	}
	switch {
	case w[0]&0x20 == 0:
		return int(w[0]), 1, nil
	case w[0]&0x10 == 0 && len(w) >= 2:
		return int(w[0]&0x0f)<<6 | int(w[1]), 2, nil
	case w[0]&0x08 == 0 && len(w) >= 3:
		return int(w[0]&0x07)<<12 | int(w[1])<<6 | int(w[2]), 3, nil
	case w[0]&0x08 != 0 && len(w) >= 4:
		return int(w[0]&0x03)<<18 | int(w[1])<<12 | int(w[2])<<6 | int(w[3]), 4, nil
	}
	return 0, 0, errMaxiFormat
}
