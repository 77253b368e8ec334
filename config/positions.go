package config

import (
	"strconv"
	"strings"
)

// positions maps keys of a TOML document to the line they are written on.
// BurntSushi/toml v1.5 keeps key positions private, so they are found again
// by scanning the source, which the TOML parser has already accepted.
//
// A key is written as its dotted path with the index of every array-of-tables
// element it sits in: "lockboard.port", "compartment#2" (the header of the
// third [[compartment]]), "compartment#2.lock".
type positions struct {
	line  map[string]int   // indexed path -> first line
	plain map[string][]int // path without indexes -> every line, in order
}

// scanPositions scans src for table headers and key/value lines.
func scanPositions(src string) positions {
	p := positions{line: map[string]int{}, plain: map[string][]int{}}
	counts := map[string]int{} // plain path of an array of tables -> elements seen
	table, tablePlain := "", ""
	var inMulti string // the delimiter of an open multi-line string, if any
	depth := 0         // open [ of a multi-line array value
	for i, raw := range strings.Split(src, "\n") {
		n := i + 1
		line := raw
		if inMulti != "" {
			end := strings.Index(line, inMulti)
			if end < 0 {
				continue
			}
			inMulti = ""
			line = line[end+3:]
			if depth == 0 {
				continue // the rest closes a value
			}
		}
		if depth > 0 {
			depth, inMulti = valueState(line, depth)
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if strings.HasPrefix(t, "[[") {
			keys, _ := splitKey(strings.TrimPrefix(t, "[["), "]]")
			pl := strings.Join(keys, ".")
			idx := counts[pl]
			counts[pl] = idx + 1
			table, tablePlain = pl+"#"+strconv.Itoa(idx), pl
			p.add(table, tablePlain, n)
			continue
		}
		if t[0] == '[' {
			keys, _ := splitKey(t[1:], "]")
			tablePlain = strings.Join(keys, ".")
			table = tablePlain
			p.add(table, tablePlain, n)
			continue
		}
		keys, rest := splitKey(t, "=")
		if len(keys) == 0 {
			continue
		}
		k := strings.Join(keys, ".")
		full, fullPlain := k, k
		if table != "" {
			full, fullPlain = table+"."+k, tablePlain+"."+k
		}
		p.add(full, fullPlain, n)
		depth, inMulti = valueState(rest, 0)
	}
	return p
}

func (p positions) add(key, plain string, n int) {
	if _, ok := p.line[key]; !ok {
		p.line[key] = n
	}
	p.plain[plain] = append(p.plain[plain], n)
}

// of returns the line of an indexed key, or 0 when it is not written.
func (p positions) of(key string) int { return p.line[key] }

// splitKey reads a possibly dotted and quoted key from s up to the first
// unquoted occurrence of stop, and returns its parts and what follows stop.
func splitKey(s, stop string) (keys []string, rest string) {
	var cur strings.Builder
	flush := func() {
		keys = append(keys, strings.TrimSpace(cur.String()))
		cur.Reset()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if c == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, ""
			}
			cur.WriteString(s[i+1 : j])
			i = j
		case c == '.':
			flush()
		case strings.HasPrefix(s[i:], stop):
			flush()
			return keys, s[i+len(stop):]
		default:
			cur.WriteByte(c)
		}
	}
	return nil, ""
}

// valueState scans (part of) a value and returns the bracket depth still open
// and the delimiter of a multi-line string left open at the end of the line.
func valueState(s string, depth int) (int, string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '#':
			return depth, ""
		case '[', '{':
			depth++
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '"', '\'':
			delim := string([]byte{c, c, c})
			if strings.HasPrefix(s[i:], delim) {
				end := strings.Index(s[i+3:], delim)
				if end < 0 {
					return depth, delim
				}
				i += 3 + end + 2
				continue
			}
			j := i + 1
			for j < len(s) && s[j] != c {
				if c == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		}
	}
	return depth, ""
}
