package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultMoveBase is where a cluster goes when the server's user cannot
// reach the directory it was given: root may keep its data directory under
// its own 0700 home, but PostgreSQL refuses to run as root and its own user
// cannot enter there.
const DefaultMoveBase = "/var/lib/laminar"

// MovedDir is where the cluster for the requested directory lives when it
// has to move: one directory per requested path under base, named by a hash
// of that path, so every command on the same data directory finds it.
func MovedDir(base, requested string) string {
	if base == "" {
		base = DefaultMoveBase
	}
	sum := sha256.Sum256([]byte(requested))
	return filepath.Join(base, hex.EncodeToString(sum[:8]), "pg")
}

// place returns where the cluster for the requested directory runs: the
// directory itself when the server's user can reach it (always, when that
// user is ourselves), else MovedDir, created and given to that user. A
// cluster already initialised in the requested directory is never moved;
// then the error names the directory that blocks and the fix.
func place(requested string, cred *syscall.Credential, base string) (string, error) {
	if cred == nil {
		return requested, nil
	}
	blocker, err := unreachable(requested, cred)
	if err != nil {
		return "", err
	}
	if blocker == "" {
		return requested, nil
	}
	moved := MovedDir(base, requested)
	if _, err := os.Stat(filepath.Join(moved, "PG_VERSION")); err == nil {
		return moved, nil
	}
	if _, err := os.Stat(filepath.Join(requested, "PG_VERSION")); err == nil {
		return "", blockedError(requested, blocker, cred, nil)
	}
	home := filepath.Dir(moved)
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", blockedError(requested, blocker, cred, err)
	}
	if err := os.Chmod(filepath.Dir(home), 0o755); err != nil {
		return "", blockedError(requested, blocker, cred, err)
	}
	if err := os.Chown(home, int(cred.Uid), int(cred.Gid)); err != nil {
		return "", blockedError(requested, blocker, cred, err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		return "", blockedError(requested, blocker, cred, err)
	}
	if b, err := unreachable(moved, cred); err != nil || b != "" {
		return "", blockedError(requested, blocker, cred, fmt.Errorf("%s is not reachable either (%s)", moved, b))
	}
	// A note for whoever looks into the directory and finds no database.
	note := fmt.Sprintf("The private database of %s lives here: %s could not enter %s.\n", filepath.Dir(requested), userName(cred), blocker)
	_ = os.WriteFile(filepath.Join(home, "README"), []byte(note), 0o644)
	return moved, nil
}

// blockedError says which directory keeps the server's user out and how to
// fix it; cause is why the cluster could not move instead (or nil).
func blockedError(requested, blocker string, cred *syscall.Credential, cause error) error {
	msg := fmt.Sprintf("PostgreSQL runs as user %s, which cannot enter %s; ", userName(cred), blocker)
	if cause != nil {
		msg += fmt.Sprintf("moving the database elsewhere failed too (%v); ", cause)
	} else {
		msg += fmt.Sprintf("a database already exists in %s, so it is not moved; ", requested)
	}
	return fmt.Errorf("%sfix: set LAMINAR_DATA_DIR to a directory %s can reach (for example %s), or let it in with `chmod o+x %s`",
		msg, userName(cred), DefaultMoveBase, blocker)
}

// unreachable returns the first existing directory on the way to dir that
// the user cannot enter (search permission by owner, group or other bits),
// or "" when every existing one can be entered. Directories still to be
// created are created 0755 or given to the user, so they do not block.
func unreachable(dir string, cred *syscall.Credential) (string, error) {
	groups := map[uint32]bool{cred.Gid: true}
	if u, err := user.LookupId(strconv.FormatUint(uint64(cred.Uid), 10)); err == nil {
		if ids, err := u.GroupIds(); err == nil {
			for _, id := range ids {
				if n, err := strconv.ParseUint(id, 10, 32); err == nil {
					groups[uint32(n)] = true
				}
			}
		}
	}
	path := string(filepath.Separator)
	parts := splitPath(dir)
	for _, p := range parts {
		path = filepath.Join(path, p)
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || !fi.IsDir() {
			return "", nil
		}
		mode := fi.Mode().Perm()
		var x bool
		switch {
		case st.Uid == cred.Uid:
			x = mode&0o100 != 0
		case groups[st.Gid]:
			x = mode&0o010 != 0
		default:
			x = mode&0o001 != 0
		}
		if !x {
			return path, nil
		}
	}
	return "", nil
}

func splitPath(p string) []string {
	var out []string
	for p != "/" && p != "." && p != "" {
		out = append([]string{filepath.Base(p)}, out...)
		p = filepath.Dir(p)
	}
	return out
}

func userName(cred *syscall.Credential) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(cred.Uid), 10)); err == nil {
		return u.Username
	}
	return "uid " + strconv.FormatUint(uint64(cred.Uid), 10)
}
