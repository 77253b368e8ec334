package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// touchTheme is the kiosk's theme: large type, touch targets of at least
// about 60 px, and high contrast. The accessible variant has bigger type
// still and white-on-black colours with yellow actions.
//
// A screen that needs more room than the window has (long sentences, both
// bars at the bottom showing, the larger text) is drawn again denser:
// level 1 and 2 shrink the room inside buttons, the fixed sizes (see look)
// and, less, the text. The denser theme applies to the screen's body only,
// through a theme override.
type touchTheme struct {
	accessible bool
	dense      int // 0 (as designed) to maxDense
}

// maxDense is the densest level render tries.
const maxDense = 2

// denseFactors returns the factors of spacing and fixed sizes, and of
// text, at level d: text shrinks less than the room around it.
func denseFactors(d int) (space, text float32) {
	switch {
	case d <= 0:
		return 1, 1
	case d == 1:
		return 0.84, 0.92
	default:
		return 0.7, 0.84
	}
}

var _ fyne.Theme = touchTheme{}

// rgb is a palette colour written as 0xRRGGBB, fully opaque.
type rgb uint32

// NRGBA returns the colour.
func (c rgb) NRGBA() color.NRGBA {
	return color.NRGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

// RGBA implements color.Color.
func (c rgb) RGBA() (r, g, b, a uint32) { return c.NRGBA().RGBA() }

// Palette colours.
const (
	colInk       rgb = 0x111827
	colPaper     rgb = 0xf4f6f8
	colBlue      rgb = 0x0050b3
	colGreen     rgb = 0x15803d
	colRed       rgb = 0xb00020
	colAmber     rgb = 0xb45309
	colGrey      rgb = 0x6b7280
	colButton    rgb = 0xdde3ea
	colYellow    rgb = 0xffd400
	colBlack     rgb = 0x000000
	colWhite     rgb = 0xffffff
	colDarkGrey  rgb = 0x2a2a2a
	colLightBlue rgb = 0xcce0ff
)

// Color returns the colour of name; the variant asked for by the system is
// ignored: a kiosk keeps one look.
func (t touchTheme) Color(name fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.accessible {
		switch name {
		case theme.ColorNameBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground, theme.ColorNameHeaderBackground:
			return colBlack
		case theme.ColorNameForeground, theme.ColorNameInputBorder, theme.ColorNameSeparator:
			return colWhite
		case theme.ColorNameButton, theme.ColorNameInputBackground:
			return colDarkGrey
		case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
			return colYellow
		case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnWarning, theme.ColorNameForegroundOnSuccess:
			return colBlack
		case theme.ColorNameSuccess:
			return color.NRGBA{R: 0x4a, G: 0xde, B: 0x80, A: 0xff}
		case theme.ColorNameWarning:
			return color.NRGBA{R: 0xff, G: 0xa5, B: 0x00, A: 0xff}
		case theme.ColorNameError:
			return color.NRGBA{R: 0xff, G: 0x5c, B: 0x5c, A: 0xff}
		case theme.ColorNameForegroundOnError:
			return colBlack
		case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
			return color.NRGBA{R: 0xbb, G: 0xbb, B: 0xbb, A: 0xff}
		case theme.ColorNameDisabledButton:
			return color.NRGBA{R: 0x1a, G: 0x1a, B: 0x1a, A: 0xff}
		case theme.ColorNamePressed, theme.ColorNameHover:
			return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x40}
		case theme.ColorNameSelection:
			return color.NRGBA{R: 0xff, G: 0xd4, B: 0x00, A: 0x60}
		case theme.ColorNameShadow:
			return color.NRGBA{A: 0}
		}
		return theme.DefaultTheme().Color(name, theme.VariantDark)
	}
	switch name {
	case theme.ColorNameBackground, theme.ColorNameMenuBackground, theme.ColorNameHeaderBackground:
		return colPaper
	case theme.ColorNameOverlayBackground:
		return colWhite
	case theme.ColorNameForeground:
		return colInk
	case theme.ColorNameButton:
		return colButton
	case theme.ColorNameInputBackground:
		return colWhite
	case theme.ColorNameInputBorder:
		return colGrey
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return colBlue
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess, theme.ColorNameForegroundOnWarning:
		return colWhite
	case theme.ColorNameSuccess:
		return colGreen
	case theme.ColorNameWarning:
		return colAmber
	case theme.ColorNameError:
		return colRed
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colGrey
	case theme.ColorNameDisabledButton:
		return color.NRGBA{R: 0xe8, G: 0xea, B: 0xed, A: 0xff}
	case theme.ColorNamePressed:
		return color.NRGBA{A: 0x30}
	case theme.ColorNameHover:
		return color.NRGBA{A: 0x10}
	case theme.ColorNameSelection:
		return colLightBlue
	case theme.ColorNameSeparator:
		return color.NRGBA{R: 0xc8, G: 0xcd, B: 0xd3, A: 0xff}
	}
	return theme.DefaultTheme().Color(name, theme.VariantLight)
}

// Font returns the default (Noto) fonts, which cover Spanish.
func (touchTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon returns the default icons.
func (touchTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// sizeNameScale is the theme size that carries the factor of fixed pixel
// sizes (see fixedScale). Themes that wrap touchTheme pass it through.
const sizeNameScale fyne.ThemeSizeName = "parcelkiosk-scale"

// sizeNameKey is the text size of the keys of the on-screen keypad (see
// padKey): larger than the rest, for thumbs.
const sizeNameKey fyne.ThemeSizeName = "parcelkiosk-key"

// fixedScale is the factor of fixed pixel sizes in th: below 1 on a screen
// drawn denser, 1 in a theme that does not know it.
func fixedScale(th fyne.Theme) float32 {
	if k := th.Size(sizeNameScale); k > 0 {
		return k
	}
	return 1
}

// Size returns large sizes: a standard button is 26 pt text plus 2x18
// inner padding, about 70 px high at scale 1 (about 50 px at the densest).
func (t touchTheme) Size(name fyne.ThemeSizeName) float32 {
	sp, k := denseFactors(t.dense)
	f := sp // fixed-size parts: headings, icons
	if t.accessible {
		f, k = f*1.3, k*1.3
	}
	switch name {
	case theme.SizeNameText:
		return 26 * k
	case theme.SizeNameHeadingText:
		return 44 * f // headings give up more room than text
	case theme.SizeNameSubHeadingText:
		return 32 * k
	case theme.SizeNameCaptionText:
		return 20 * k
	case theme.SizeNameInlineIcon:
		return 36 * f
	case sizeNameScale:
		return sp
	case sizeNameKey:
		return 40 * sp
	case theme.SizeNameInnerPadding:
		return 18 * sp
	case theme.SizeNamePadding:
		// The same at every density: Fyne's layouts read the padding of
		// the application's theme when they lay out again by themselves,
		// outside the body's theme override (see UI.applyLook).
		return 8
	case theme.SizeNameInputBorder:
		if t.accessible {
			return 4
		}
		return 2
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 10
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameSeparatorThickness:
		return 2
	}
	return theme.DefaultTheme().Size(name)
}

// The look is the application's theme: it answers with the theme it holds
// now (touchTheme at the look's density and text size), so a denser screen
// or the larger text needs no other theme. Fyne keeps a set of font faces
// (several MB) for every theme override it meets, and a new set each time
// an override is refreshed or drawn again after its widgets were out of
// sight for a minute; with one application theme it keeps one set per
// text style, as a bare window does.
var _ fyne.Theme = (*look)(nil)

// Color returns the colour of name in the look's theme.
func (l *look) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return l.th.Color(name, v)
}

// Font returns the look's font for s.
func (l *look) Font(s fyne.TextStyle) fyne.Resource { return l.th.Font(s) }

// Icon returns the look's icon n.
func (l *look) Icon(n fyne.ThemeIconName) fyne.Resource { return l.th.Icon(n) }

// Size returns the size of name in the look's theme.
func (l *look) Size(name fyne.ThemeSizeName) float32 { return l.th.Size(name) }
