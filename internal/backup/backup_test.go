package backup

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplitPassword(t *testing.T) {
	for _, tc := range []struct{ in, conn, pw string }{
		{"host=/tmp/x port=5432 user=laminar password=s3cret dbname=laminar sslmode=disable", "host=/tmp/x port=5432 user=laminar dbname=laminar sslmode=disable", "s3cret"},
		{"host=/tmp/x user=laminar dbname=laminar", "host=/tmp/x user=laminar dbname=laminar", ""},
		{"postgres://app:p%40ss@db:5432/laminar?sslmode=require", "postgres://app@db:5432/laminar?sslmode=require", "p@ss"},
		{"postgresql://app@db/laminar?password=q&sslmode=disable", "postgresql://app@db/laminar?sslmode=disable", "q"},
	} {
		conn, pw := splitPassword(tc.in)
		if conn != tc.conn || pw != tc.pw {
			t.Errorf("splitPassword(%q) = %q, %q; want %q, %q", tc.in, conn, pw, tc.conn, tc.pw)
		}
		if strings.Contains(conn, "s3cret") || (tc.pw != "" && strings.Contains(conn, "password")) {
			t.Errorf("password left in %q", conn)
		}
	}
}

// archive builds a backup file from entries, with a manifest describing
// manifestFiles.
func archive(t testing.TB, manifestFiles map[string][]byte, entries map[string][]byte) []byte {
	m := Manifest{Format: FormatVersion}
	for _, name := range []string{CheckpointsName, PublicKeyName, DumpName} {
		if b, ok := manifestFiles[name]; ok {
			h := sha256.Sum256(b)
			m.Files = append(m.Files, File{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(h[:])})
		}
	}
	mb, _ := json.Marshal(m)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, b []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b))})
		_, _ = tw.Write(b)
	}
	add(ManifestName, mb)
	for _, name := range []string{CheckpointsName, PublicKeyName, DumpName} {
		if b, ok := entries[name]; ok {
			add(name, b)
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

func TestOpenRefusesDamagedBackups(t *testing.T) {
	good := map[string][]byte{DumpName: []byte("PGDMP dump"), CheckpointsName: []byte("{}\n")}
	for _, tc := range []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"whole", archive(t, good, good), ""},
		{"altered dump", archive(t, good, map[string][]byte{DumpName: []byte("PGDMP dumq"), CheckpointsName: []byte("{}\n")}), "damaged"},
		{"missing checkpoints", archive(t, good, map[string][]byte{DumpName: good[DumpName]}), "missing"},
		{"extra entry", archive(t, map[string][]byte{DumpName: good[DumpName]}, good), "unexpected"},
		{"not a backup", []byte("hello"), "not a Laminar backup"},
		{"truncated", archive(t, good, good)[:700], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "b")
			if err := os.WriteFile(p, tc.file, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(p)
			switch {
			case tc.name == "truncated":
				if err == nil {
					t.Fatal("a truncated backup was accepted")
				}
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Open = %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Open = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// FuzzOpen: whatever the file holds, Open answers with a manifest or an
// error, never a panic.
func FuzzOpen(f *testing.F) {
	good := map[string][]byte{DumpName: []byte("PGDMP"), PublicKeyName: []byte("k")}
	f.Add(archive(f, good, good))
	f.Add([]byte("not a tar"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "b")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, _ = Open(p)
	})
}
