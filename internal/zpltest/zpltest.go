// Package zpltest renders ZPL to an image for tests and reads the DataMatrix
// on it, the way a scanner aimed at a printed label would. Rendering uses
// the npm package zpl-renderer-js (MIT; a WebAssembly build of the Go ZPL
// renderer zebrash), installed with npm at test time into the user's cache;
// nothing of it is committed.
package zpltest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
)

// version is the renderer pinned for repeatable tests.
const version = "zpl-renderer-js@3.4.0"

var (
	once   sync.Once
	dir    string
	dirErr error
)

// install puts the renderer into the cache (once per test binary).
func install() (string, error) {
	once.Do(func() {
		d := os.Getenv("LAMINAR_ZPL_DIR")
		if d == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				cache = os.TempDir()
			}
			d = filepath.Join(cache, "laminar", "zpl-renderer")
		}
		if _, err := os.Stat(filepath.Join(d, "node_modules", "zpl-renderer-js", "package.json")); err != nil {
			if err := os.MkdirAll(d, 0o755); err != nil {
				dirErr = err
				return
			}
			out, err := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", d, version).CombinedOutput()
			if err != nil {
				dirErr = fmt.Errorf("npm install %s: %v\n%s", version, err, out)
				return
			}
		}
		dir = d
	})
	return dir, dirErr
}

const script = `const { ready } = require("zpl-renderer-js");
const fs = require("fs");
(async () => {
  const { api } = await ready;
  const zpl = fs.readFileSync(0, "utf8");
  const png = await api.zplToBase64Async(zpl, +process.argv[1], +process.argv[2], +process.argv[3]);
  process.stdout.write(png);
  process.exit(0);
})().catch(e => { console.error(String(e)); process.exit(1); });`

// Render draws a ZPL label of the given size and resolution (dots per
// millimetre: 8 for 203 dpi, 12 for 300 dpi).
func Render(t testing.TB, zpl []byte, widthMM, heightMM float64, dpmm int) image.Image {
	t.Helper()
	d, err := install()
	if err != nil {
		t.Fatalf("the ZPL renderer is needed (it needs npm; make deps-npm): %v", err)
	}
	cmd := exec.Command("node", "-e", script, ftoa(widthMM), ftoa(heightMM), strconv.Itoa(dpmm))
	cmd.Dir = d
	cmd.Stdin = bytes.NewReader(zpl)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("render ZPL: %v: %s", err, errb.String())
	}
	raw, err := decodeBase64(out.Bytes())
	if err != nil {
		t.Fatalf("renderer output: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("renderer PNG: %v", err)
	}
	return img
}

// DataMatrix decodes the DataMatrix in the given part of img (fractions of
// its width and height), as a scanner aimed at that corner would.
func DataMatrix(t testing.TB, img image.Image, x0, y0, x1, y1 float64) string {
	t.Helper()
	b := img.Bounds()
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		img = sub.SubImage(image.Rect(b.Min.X+int(float64(b.Dx())*x0), b.Min.Y+int(float64(b.Dy())*y0),
			b.Min.X+int(float64(b.Dx())*x1), b.Min.Y+int(float64(b.Dy())*y1)))
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := datamatrix.NewDataMatrixReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no DataMatrix found on the rendered label: %v", err)
	}
	return res.GetText()
}

// SavePNG writes img next to the test's other output when dir is set (for a
// person to look at).
func SavePNG(t testing.TB, img image.Image, path string) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func decodeBase64(b []byte) ([]byte, error) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, bytes.TrimSpace(b))
	return out[:n], err
}
