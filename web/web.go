// Package web holds Laminar's browser UI: html/template pages (one typed
// data struct per page), the layout, and the static assets, all embedded in
// the binary. Templates are parsed once at start-up and a missing or broken
// page stops the boot; static assets are served under checksum URLs
// (/static/app.<sha256-prefix>.css) so tablets can cache them for a year.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"
)

//go:embed templates static
var files embed.FS

// AssetPrefix is the URL path under which static assets are served.
const AssetPrefix = "/static/"

// hashLen is how many hex digits of the SHA-256 go into an asset URL: 12
// digits make an accidental collision between two versions negligible.
const hashLen = 12

// Asset is one static file, ready to serve.
type Asset struct {
	// Name is the file's logical name ("app.css").
	Name string
	// File is the checksum name it is served under ("app.0123456789ab.css").
	File string
	// Type is the Content-Type.
	Type string
	// Body is the content; Gzip the same content compressed (nil when
	// compression does not pay).
	Body, Gzip []byte
	// ETag is a strong validator derived from the content hash.
	ETag string
}

// Site is the parsed set of pages and the static assets.
type Site struct {
	pages  map[string]*template.Template
	assets map[string]*Asset // by checksum file name
	urls   map[string]string // logical name -> URL
}

// Load parses every page and hashes every static asset. It fails when a
// page listed in Pages has no template, when a template does not parse, or
// when a template names an asset that does not exist.
func Load() (*Site, error) {
	s := &Site{pages: map[string]*template.Template{}, assets: map[string]*Asset{}, urls: map[string]string{}}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	base, err := template.New("base").Funcs(s.funcs()).ParseFS(files, "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout and partials: %w", err)
	}
	for _, name := range PageNames() {
		file := "templates/" + name + ".html"
		if _, err := fs.Stat(files, file); err != nil {
			return nil, fmt.Errorf("web: page %q has no template %s", name, file)
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, file); err != nil {
			return nil, fmt.Errorf("web: parse page %q: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

func (s *Site) loadAssets() error {
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return fmt.Errorf("web: read static assets: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			return err
		}
		s.addAsset(e.Name(), body)
	}
	// Generated: the plain words of the refusal codes, for app.js.
	s.addAsset("words.js", wordsScript())
	return nil
}

// addAsset hashes one static file and serves it under its checksum name.
func (s *Site) addAsset(name string, body []byte) {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:hashLen]
	ext := path.Ext(name)
	file := strings.TrimSuffix(name, ext) + "." + h + ext
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	a := &Asset{Name: name, File: file, Type: ctype, Body: body, ETag: `"` + h + `"`}
	if strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") || strings.Contains(ctype, "svg") {
		a.Gzip = gzipped(body)
	}
	s.assets[file] = a
	s.urls[name] = AssetPrefix + file
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// AssetURL returns the checksum URL of a static file by its logical name.
func (s *Site) AssetURL(name string) (string, error) {
	u, ok := s.urls[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset named %q", name)
	}
	return u, nil
}

// Asset finds a static file by its checksum file name (the last URL
// segment). A stale or made-up name is not found, never served with the
// wrong content.
func (s *Site) Asset(file string) (*Asset, bool) {
	a, ok := s.assets[file]
	return a, ok
}

// Assets lists every static asset (for tests and pre-loading).
func (s *Site) Assets() []*Asset {
	out := make([]*Asset, 0, len(s.assets))
	for _, a := range s.assets {
		out = append(out, a)
	}
	return out
}

// Render writes a page. The page's template file's top level runs: a full
// page calls the layout, a fragment renders itself alone.
func (s *Site) Render(w io.Writer, p Page) error {
	name := p.PageName()
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	// Render into a buffer so a template error never leaves half a page
	// on the wire with a 200 status.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name+".html", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
