package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestOneArgument(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		arg, flag string
		help      bool
		err       string
		usage     bool
	}{
		{args: []string{"X"}, arg: "X", flag: "d"},
		{args: []string{"X", "--f", "v"}, arg: "X", flag: "v"},
		{args: []string{"--f", "v", "X"}, arg: "X", flag: "v"},
		{args: []string{"-h"}, help: true, flag: "d", usage: true},
		{args: nil, flag: "d", err: "cmd takes one X argument, got 0", usage: true},
		{args: []string{"X", "Y"}, flag: "d", err: "cmd takes one X argument, got 2", usage: true},
		{args: []string{"--nope", "X"}, flag: "d", err: "flag provided but not defined: -nope", usage: true},
	} {
		var stderr bytes.Buffer
		fs := newFlags(env{stderr: &stderr}, "cmd", "cmd X")
		f := fs.String("f", "d", "a flag")
		arg, help, err := oneArgument(fs, tc.args, "cmd takes one X argument")
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if arg != tc.arg || help != tc.help || gotErr != tc.err || *f != tc.flag {
			t.Errorf("%q: got %q, help %t, err %q, flag %q; want %q, %t, %q, %q", tc.args, arg, help, gotErr, *f, tc.arg, tc.help, tc.err, tc.flag)
		}
		if printed := strings.Contains(stderr.String(), "Usage: laminar cmd X"); printed != tc.usage {
			t.Errorf("%q: usage printed %t, want %t:\n%s", tc.args, printed, tc.usage, stderr.String())
		}
	}
}
