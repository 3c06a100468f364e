package webui_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
)

// tinyPNG is a real 8×8 PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < 8; i++ {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadPicture posts a file as the admin form does: multipart, with the
// form token, under a file name that claims to be a picture.
func uploadPicture(t *testing.T, e http.Handler, path, token, filename string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("csrf_token", auth.CSRFToken(token)); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("picture", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: token})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// The attacks on the reference picture upload: a file that is not an image
// (whatever its name says), a role that may not add one; then the picture
// accepted, audited, served with its content type from its own cached
// address, and shown on the technician's scan step.
func TestProductReferencePicture(t *testing.T) {
	e, a := webServer(t)
	ctx := context.Background()
	prep, err := a.Compounding.Preparation(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var productID int64
	var productName string
	for _, s := range prep.Worksheet.Steps {
		if s.Kind.IsScan() && len(s.Expects.ProductIDs) > 0 {
			productID, productName = s.Expects.ProductIDs[0], s.Expects.Products[0]
			break
		}
	}
	if productID == 0 {
		t.Fatal("preparation 1 scans no product")
	}
	path := fmt.Sprintf("/admin/products/%d/picture", productID)
	admin, tech := session(t, e, "admin1"), session(t, e, "tech1")
	p := &pictureRig{e: e, a: a, path: path, productID: productID, productName: productName, admin: admin, tech: tech}
	if !strings.Contains(p.tabletPage(t), "No reference picture yet") {
		t.Fatal("a step without a picture does not say so")
	}
	refuseBadUploads(t, p)
	pic := acceptThePicture(t, p)
	showThePictureOnTheScanStep(t, p, pic)
	scaleDownAPhonePhoto(t, p)
}

// pictureRig is the reference picture test's server, the product whose
// picture it adds, and the admin's and technician's sessions.
type pictureRig struct {
	e           http.Handler
	a           *httpapi.API
	path        string // the product's picture upload
	productID   int64
	productName string
	admin, tech string
}

// tabletPage is the technician's page of preparation 1.
func (p *pictureRig) tabletPage(t *testing.T) string {
	rec := browse(p.e, "GET", "/tablet/prep/1", p.tech, nil)
	if rec.Code != 200 {
		t.Fatalf("prep page = %d", rec.Code)
	}
	return rec.Body.String()
}

// refuseBadUploads: a file that is not an image (whatever its name says), a
// file too large, a technician, and a form without its token are refused,
// and nothing is logged as added.
func refuseBadUploads(t *testing.T, p *pictureRig) {
	e, a, path, admin, tech := p.e, p.a, p.path, p.admin, p.tech
	t.Run("not an image, named like one", func(t *testing.T) {
		rec := uploadPicture(t, e, path, admin, "vial.png", []byte("%PDF-1.4 not a picture at all"))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "only JPEG and PNG images are accepted") {
			t.Fatalf("= %d\n%.800s", rec.Code, rec.Body)
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := append(tinyPNG(t), make([]byte, httpapi.MaxPictureBytes)...)
		if rec := uploadPicture(t, e, path, admin, "vial.png", big); rec.Code != 413 {
			t.Fatalf("= %d\n%.800s", rec.Code, rec.Body)
		}
	})
	t.Run("technician may not add one", func(t *testing.T) {
		if rec := uploadPicture(t, e, path, tech, "vial.png", tinyPNG(t)); rec.Code != 403 {
			t.Fatalf("= %d\n%.800s", rec.Code, rec.Body)
		}
	})
	t.Run("without the form token", func(t *testing.T) {
		rec := browse(e, "POST", path, admin, nil)
		if rec.Code != 403 {
			t.Fatalf("= %d", rec.Code)
		}
	})
	if n := countEvents(t, a, "formulary.product_picture_added"); n != 0 {
		t.Fatalf("refused uploads were logged as added: %d", n)
	}
}

// acceptThePicture: the admin's upload is accepted and logged once, a
// pharmacist may add one from the specific gravity screen, and the product
// form offers to replace it. It returns the picture.
func acceptThePicture(t *testing.T, p *pictureRig) []byte {
	e, a, path, productID, admin := p.e, p.a, p.path, p.productID, p.admin
	pic := tinyPNG(t)
	rec := uploadPicture(t, e, path, admin, "vial.bin", pic)
	if rec.Code != 303 || rec.Header().Get("Location") != fmt.Sprintf("/admin/products/%d#reference-picture", productID) {
		t.Fatalf("upload = %d to %q\n%.800s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if n := countEvents(t, a, "formulary.product_picture_added"); n != 1 {
		t.Fatalf("the upload was logged %d times", n)
	}
	// A pharmacist may add one too, from the product's specific gravity
	// screen (pharmacists have no admin screens).
	pharm := session(t, e, "pharm1")
	if g := browse(e, "GET", fmt.Sprintf("/gravities/%d", productID), pharm, nil).Body.String(); !strings.Contains(g, `action="`+path+`"`) {
		t.Fatalf("the pharmacist's product screen offers no picture upload:\n%.3000s", g)
	}
	if rec := uploadPicture(t, e, path, pharm, "vial.png", pic); rec.Code != 303 ||
		rec.Header().Get("Location") != fmt.Sprintf("/gravities/%d#reference-picture", productID) {
		t.Fatalf("pharmacist upload = %d to %q\n%.800s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}

	form := browse(e, "GET", fmt.Sprintf("/admin/products/%d", productID), admin, nil).Body.String()
	if !strings.Contains(form, `enctype="multipart/form-data"`) || !strings.Contains(form, "Replace the picture") {
		t.Fatalf("the product form offers no picture upload:\n%.3000s", form)
	}
	return pic
}

// showThePictureOnTheScanStep: the scan step shows the picture lazily from
// its own cached address, with the product's name as its alt text.
func showThePictureOnTheScanStep(t *testing.T, p *pictureRig, pic []byte) {
	e, productID, productName, tech := p.e, p.productID, p.productName, p.tech
	page := p.tabletPage(t)
	img := regexp.MustCompile(`<img src="(/api/v1/products/\d+/pictures/\d+)" alt="Reference picture of ([^"]+)"[^>]*loading="lazy"`).FindStringSubmatch(page)
	if img == nil {
		t.Fatalf("the scan step shows no lazy reference picture:\n%s", page)
	}
	if !strings.EqualFold(img[2], productName) {
		t.Fatalf("alt text %q lacks the product name", img[2])
	}
	if strings.Contains(page, "data:image") {
		t.Fatal("the picture is inlined in the page")
	}
	got := browse(e, "GET", img[1], tech, nil)
	if got.Code != 200 || got.Header().Get("Content-Type") != "image/png" || !bytes.Equal(got.Body.Bytes(), pic) {
		t.Fatalf("picture = %d %q (%d bytes)", got.Code, got.Header().Get("Content-Type"), got.Body.Len())
	}
	if cc := got.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Fatalf("picture Cache-Control %q", cc)
	}
	if rec := browse(e, "GET", fmt.Sprintf("/api/v1/products/%d/pictures/999999", productID), tech, nil); rec.Code != 404 {
		t.Fatalf("a missing picture = %d", rec.Code)
	}
}

// scaleDownAPhonePhoto: a phone photo is stored scaled down, so the step
// stays light.
func scaleDownAPhonePhoto(t *testing.T, p *pictureRig) {
	e, path, admin, tech := p.e, p.path, p.admin, p.tech
	var photo bytes.Buffer
	big := image.NewRGBA(image.Rect(0, 0, 1200, 900))
	for y := 0; y < 900; y++ {
		for x := 0; x < 1200; x++ {
			big.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	if err := jpeg.Encode(&photo, big, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if rec := uploadPicture(t, e, path, admin, "phone.jpg", photo.Bytes()); rec.Code != 303 {
		t.Fatalf("photo upload = %d\n%.800s", rec.Code, rec.Body)
	}
	img := regexp.MustCompile(`<img src="(/api/v1/products/\d+/pictures/\d+)"`).FindStringSubmatch(p.tabletPage(t))
	got := browse(e, "GET", img[1], tech, nil)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(got.Body.Bytes()))
	if err != nil || cfg.Width != httpapi.PictureSide || cfg.Height != 192 || got.Body.Len() > 40<<10 {
		t.Fatalf("stored photo %d×%d, %d bytes (%v), from %d bytes", cfg.Width, cfg.Height, got.Body.Len(), err, photo.Len())
	}
}

func countEvents(t *testing.T, a *httpapi.API, typ string) int {
	t.Helper()
	var n int
	if err := a.Store.DB.Get(&n, `SELECT count(*) FROM `+audit.AppendOnlyTables[0]+` WHERE type = $1`, typ); err != nil {
		t.Fatal(err)
	}
	return n
}
