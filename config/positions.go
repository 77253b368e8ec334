package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// positions maps keys of a TOML document to the line they are written on.
// BurntSushi/toml v1.5, which decodes the configuration, keeps key positions
// private, so the document is walked again with go-toml's parser, whose AST
// carries the byte range of every key.
//
// A key is written as its dotted path with the index of every array-of-tables
// element it sits in: "lockboard.port", "compartment#2" (the header of the
// third [[compartment]]), "compartment#2.lock". Keys inside inline tables
// are recorded under their full path too ("lockboard.x.y" for
// `x = {y = 1}` in [lockboard]).
type positions struct {
	line  map[string]int   // indexed path -> first line
	plain map[string][]int // path without indexes -> every line, in order
}

// scanPositions returns the positions of the keys of src. On a syntax error
// it returns the keys before it: the caller reports the error itself.
func scanPositions(src string) positions {
	p := positions{line: map[string]int{}, plain: map[string][]int{}}
	counts := map[string]int{} // plain path of an array of tables -> elements seen
	table, tablePlain := "", ""
	var ps unstable.Parser
	ps.Reset([]byte(src))
	for ps.NextExpression() {
		e := ps.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			keys, n := keyOf(&ps, e)
			tablePlain, table = keys, keys
			if e.Kind == unstable.ArrayTable {
				idx := counts[keys]
				counts[keys] = idx + 1
				table = keys + "#" + strconv.Itoa(idx)
			}
			p.add(table, tablePlain, n)
		case unstable.KeyValue:
			p.keyValue(&ps, e, table, tablePlain)
		}
	}
	return p
}

// keyValue records the key of the KeyValue node e, written in the table
// (indexed and plain paths), and the keys of an inline table it holds.
func (p positions) keyValue(ps *unstable.Parser, e *unstable.Node, table, tablePlain string) {
	k, n := keyOf(ps, e)
	full, fullPlain := k, k
	if table != "" {
		full, fullPlain = table+"."+k, tablePlain+"."+k
	}
	p.add(full, fullPlain, n)
	if v := e.Value(); v.Kind == unstable.InlineTable {
		it := v.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				p.keyValue(ps, kv, full, fullPlain)
			}
		}
	}
}

// keyOf returns the dotted key of a Table, ArrayTable or KeyValue node and
// the line its first part is written on.
func keyOf(ps *unstable.Parser, e *unstable.Node) (string, int) {
	var parts []string
	line := 0
	it := e.Key()
	for it.Next() {
		k := it.Node()
		if line == 0 {
			line = ps.Shape(k.Raw).Start.Line
		}
		parts = append(parts, string(k.Data))
	}
	return strings.Join(parts, "."), line
}

func (p positions) add(key, plain string, n int) {
	if _, ok := p.line[key]; !ok {
		p.line[key] = n
	}
	p.plain[plain] = append(p.plain[plain], n)
}

// of returns the line of an indexed key, or 0 when it is not written.
func (p positions) of(key string) int { return p.line[key] }
