package httpapi

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func encoded(t *testing.T, w, h int, asPNG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 3), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A stored picture never exceeds PictureSide on either side, keeps its
// proportions, and a small upload that already fits is kept as it came.
func TestShrinkPicture(t *testing.T) {
	for _, tc := range []struct {
		name         string
		w, h         int
		png          bool
		wantW, wantH int
		kept         bool
	}{
		{"small png kept", 64, 48, true, 64, 48, true},
		{"small jpeg kept", 200, 256, false, 200, 256, true},
		{"landscape photo", 1600, 1200, false, 256, 192, false},
		{"portrait png", 300, 900, true, 85, 256, false},
		{"thin strip", 2000, 3, false, 256, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := encoded(t, tc.w, tc.h, tc.png)
			ct := "image/jpeg"
			if tc.png {
				ct = "image/png"
			}
			out, gotCT, err := shrinkPicture(in, ct)
			if err != nil {
				t.Fatal(err)
			}
			if kept := bytes.Equal(in, out); kept != tc.kept {
				t.Fatalf("kept = %v, want %v", kept, tc.kept)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tc.wantW || cfg.Height != tc.wantH {
				t.Fatalf("stored %d×%d, want %d×%d", cfg.Width, cfg.Height, tc.wantW, tc.wantH)
			}
			if "image/"+format != gotCT {
				t.Fatalf("content type %q for a %s", gotCT, format)
			}
		})
	}
}

// The attacks: a PNG signature over garbage, and a tiny file that claims
// an enormous size, are refused before any pixel is decoded.
func TestShrinkPictureRefuses(t *testing.T) {
	garbage := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xAB}, 200)...)
	if _, _, err := shrinkPicture(garbage, "image/png"); err == nil {
		t.Fatal("a PNG signature over garbage was accepted")
	} else if _, ok := err.(errNotDecodable); !ok {
		t.Fatalf("garbage: %v", err)
	}
	huge := encoded(t, 8, 8, true)
	// Rewrite the IHDR width and height to 100000 × 100000, with its CRC.
	copy(huge[16:24], []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	if _, _, err := shrinkPicture(huge, "image/png"); err == nil {
		t.Fatal("a 10-gigapixel claim was accepted")
	} else if _, ok := err.(errTooManyPixels); !ok {
		t.Fatalf("huge: %v", err)
	}
}
