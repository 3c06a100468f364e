package devices

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed queries.sql
var queriesSQL string

var queries = parseQueries(queriesSQL)

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
		panic("devices: no query named " + name)
	}
	return q
}

// parseQueries splits "-- name: x" blocks; the file is embedded, so a
// malformed one is a build mistake every test run catches.
func parseQueries(src string) map[string]string {
	out := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		if _, dup := out[name]; dup {
			panic(fmt.Sprintf("devices: query %s defined twice", name))
		}
		out[name] = strings.TrimSpace(body.String())
		body.Reset()
	}
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line + "\n")
		}
	}
	flush()
	return out
}
