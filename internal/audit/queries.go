package audit

import (
	_ "embed"
	"fmt"
	"strings"
)

// The log's SQL lives in queries.sql as named blocks, like the store's. It
// is kept here rather than in the store because Append runs inside other
// packages' transactions (the store's among them), so this package cannot
// import the store.
//
//go:embed queries.sql
var queriesSQL string

var queries = mustParseQueries(queriesSQL)

// QueryNames lists the named queries, for the test that prepares each one.
func QueryNames() map[string]string {
	out := make(map[string]string, len(queries))
	for k, v := range queries {
		out[k] = v
	}
	return out
}

func query(name string) string {
	q, ok := queries[name]
	if !ok {
		panic("audit: no query named " + name)
	}
	return q
}

// mustParseQueries splits "-- name: x" blocks; the file is embedded, so a
// malformed one is a build mistake that every test run catches.
func mustParseQueries(src string) map[string]string {
	out := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		text := strings.TrimSpace(body.String())
		if text == "" {
			panic(fmt.Sprintf("audit: query %s is empty", name))
		}
		if _, dup := out[name]; dup {
			panic(fmt.Sprintf("audit: query %s defined twice", name))
		}
		out[name] = text
		body.Reset()
	}
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush()
	return out
}
