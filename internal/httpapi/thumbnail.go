package httpapi

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // decodes PNG uploads
)

// A reference picture is shown at most 96 px wide (192 on a dense screen),
// so it is kept at PictureSide at most: every screen that shows one stays
// within its page weight whatever was uploaded.
const (
	PictureSide = 256
	// pictureKeepBytes: an upload this small that already fits is kept
	// as it came.
	pictureKeepBytes = 48 << 10
	// maxPicturePixels refuses an image whose decoding would take more
	// memory than a picture deserves (a small file can claim a huge size).
	maxPicturePixels = 16_000_000
)

// errNotDecodable marks an upload whose bytes start like an image but do
// not decode as one.
type errNotDecodable struct{}

func (errNotDecodable) Error() string { return "the image cannot be read" }

type errTooManyPixels struct{}

func (errTooManyPixels) Error() string { return "the image has too many pixels" }

// shrinkPicture returns the picture to store: the upload itself when it is
// small and fits PictureSide, else the picture scaled down to fit (each
// pixel the mean of the pixels it covers), on white, as JPEG.
func shrinkPicture(data []byte, contentType string) ([]byte, string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", errNotDecodable{}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPicturePixels {
		return nil, "", errTooManyPixels{}
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", errNotDecodable{}
	}
	if cfg.Width <= PictureSide && cfg.Height <= PictureSide && len(data) <= pictureKeepBytes {
		return data, contentType, nil
	}
	w, h := cfg.Width, cfg.Height
	if w > h {
		w, h = min(w, PictureSide), max(1, h*min(w, PictureSide)/w)
	} else {
		w, h = max(1, w*min(h, PictureSide)/h), min(h, PictureSide)
	}
	flat := image.NewRGBA(src.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), src, src.Bounds().Min, draw.Over)
	out := boxScale(flat, w, h)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out, &jpeg.Options{Quality: 82}); err != nil {
		return nil, "", err
	}
	return b.Bytes(), "image/jpeg", nil
}

// boxScale scales src down to w×h, each output pixel the mean of the
// source pixels whose centres fall in it.
func boxScale(src *image.RGBA, w, h int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var r, g, b, n uint64
			for sy := y0; sy < y1; sy++ {
				i := src.PixOffset(sb.Min.X+x0, sb.Min.Y+sy)
				for sx := x0; sx < x1; sx++ {
					r, g, b, n = r+uint64(src.Pix[i]), g+uint64(src.Pix[i+1]), b+uint64(src.Pix[i+2]), n+1
					i += 4
				}
			}
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(b/n), 255
		}
	}
	return out
}
