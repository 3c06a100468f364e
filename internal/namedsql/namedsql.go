// Package namedsql reads SQL files made of named blocks: a line
// "-- name: x" starts the query x, which runs to the next name or the end
// of the file. Every package that keeps its SQL in files reads it here, and
// binds it to a struct with one field per query, so that a missing, empty,
// duplicated or unused query is an error when the program starts, never a
// panic in the middle of a request.
package namedsql

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
)

// Parse reads the named queries of one file's text into into; file names
// the source in errors.
func Parse(file, src string, into map[string]string) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		text := strings.TrimSpace(body.String())
		if text == "" {
			return fmt.Errorf("%s: query %s is empty", file, name)
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("%s: query %s defined twice", file, name)
		}
		into[name] = text
		body.Reset()
		return nil
	}
	for _, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			if name == "" {
				return fmt.Errorf("%s: a query without a name", file)
			}
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	return flush()
}

// Load reads the named queries of every file of fsys matching pattern.
func Load(fsys fs.FS, pattern string) (map[string]string, error) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no SQL file matches %s", pattern)
	}
	q := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		if err := Parse(f, string(b), q); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// Bind sets every string field of the struct dst points to from the query
// named by its `sql` tag. It fails, naming them all, when a tagged query is
// missing or a query is taken by no field (dead SQL, or a field whose tag
// has a typo).
func Bind(queries map[string]string, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("namedsql.Bind needs a pointer to a struct, not %T", dst)
	}
	v = v.Elem()
	used := map[string]bool{}
	var problems []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, ok := f.Tag.Lookup("sql")
		if !ok {
			continue
		}
		if f.Type.Kind() != reflect.String || !f.IsExported() {
			problems = append(problems, fmt.Sprintf("field %s (query %s) is not an exported string", f.Name, name))
			continue
		}
		text, found := queries[name]
		if !found {
			problems = append(problems, "no query named "+name)
			continue
		}
		used[name] = true
		v.Field(i).SetString(text)
	}
	var unused []string
	for name := range queries {
		if !used[name] {
			unused = append(unused, name)
		}
	}
	sort.Strings(unused)
	for _, name := range unused {
		problems = append(problems, "query "+name+" is used by no field")
	}
	if len(problems) > 0 {
		return errors.New("SQL queries: " + strings.Join(problems, "; "))
	}
	return nil
}
