package scanner

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// expandUPCE turns an 8-digit UPC-E code into its 12-digit UPC-A form.
func expandUPCE(e string) (string, bool) {
	if len(e) != 8 || !allDigits(e) {
		return "", false
	}
	ns, d, check := e[0:1], e[1:7], e[7:8]
	var m string
	switch last := d[5]; last {
	case '0', '1', '2':
		m = d[0:2] + string(last) + "0000" + d[2:5]
	case '3':
		m = d[0:3] + "00000" + d[3:5]
	case '4':
		m = d[0:4] + "00000" + d[4:5]
	default:
		m = d[0:5] + "0000" + string(last)
	}
	return ns + m + check, true
}
