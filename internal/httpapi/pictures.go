package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/catalog"
)

// MaxPictureBytes bounds a product's reference picture: it is shown small,
// so a phone photo scaled down is plenty.
const MaxPictureBytes = 512 << 10

// PictureRoles may add a product's reference picture.
var PictureRoles = []auth.Role{auth.Admin, auth.Pharmacist}

// pictureRoutes: admins and pharmacists add a product's reference picture;
// anyone signed in sees it (the technician's steps show it).
func (a *API) pictureRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/products/:id/pictures", Handler: a.addPicture, Roles: PictureRoles},
		{Method: http.MethodGet, Path: "/api/v1/products/:id/pictures/:picture_id", Handler: a.getPicture, Roles: Anyone},
	}
}

// ReadImage reads the multipart file field of an upload of at most max
// bytes and checks by its content, not its name or declared type, that it
// is a JPEG or PNG image. It returns the bytes, their content type and
// their SHA-256 in hex.
func ReadImage(c echo.Context, field string, max int64) (data []byte, contentType, sum string, err error) {
	tooLarge := &apperr.Error{Kind: apperr.TooLarge, Field: field,
		Message: "the image is larger than " + strconv.FormatInt(max>>10, 10) + " KiB; scale it down and try again"}
	fh, err := c.FormFile(field)
	if err != nil {
		return nil, "", "", apperr.InvalidField(field, "choose a JPEG or PNG image to send (multipart form file %q)", field)
	}
	if fh.Size > max {
		return nil, "", "", tooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", "", apperr.InvalidField(field, "the upload cannot be read")
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil || int64(len(data)) > max {
		return nil, "", "", tooLarge
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return nil, "", "", apperr.InvalidField(field, "is not a JPEG or PNG image (its content reads as %s); only JPEG and PNG images are accepted", ct)
	}
	s := sha256.Sum256(data)
	return data, ct, hex.EncodeToString(s[:]), nil
}

// SaveProductPicture reads the upload in field "picture" and stores it as
// the product's reference picture, scaled down to PictureSide when it is
// larger; it returns the new picture's id. The log keeps the SHA-256 of
// what is stored.
func SaveProductPicture(c echo.Context, cat *catalog.Service, productID int64, now time.Time) (int64, error) {
	data, ct, _, err := ReadImage(c, "picture", MaxPictureBytes)
	if err != nil {
		return 0, err
	}
	data, ct, err = shrinkPicture(data, ct)
	switch err.(type) {
	case nil:
	case errNotDecodable:
		return 0, apperr.InvalidField("picture", "starts like a JPEG or PNG image but cannot be read as one; save it again as JPEG or PNG")
	case errTooManyPixels:
		return 0, apperr.InvalidField("picture", "has more than %d million pixels; scale it down and try again", maxPicturePixels/1_000_000)
	default:
		return 0, err
	}
	s := sha256.Sum256(data)
	return cat.AddPicture(c.Request().Context(), catalog.PictureInput{ProductID: productID, ContentType: ct, Data: data,
		SHA256: hex.EncodeToString(s[:]), Actor: ActorID(c), Now: now.UTC()})
}

// PictureURL is where a product's reference picture is served. A new
// picture gets a new address, so each may be cached for long.
func PictureURL(productID, pictureID int64) string {
	return "/api/v1/products/" + strconv.FormatInt(productID, 10) + "/pictures/" + strconv.FormatInt(pictureID, 10)
}

func (a *API) addPicture(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	pid, err := SaveProductPicture(c, a.catalog(), id, a.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": pid, "product_id": id, "url": PictureURL(id, pid)})
}

// getPicture serves a reference picture's bytes. A picture never changes,
// so the browser keeps it for a week.
func (a *API) getPicture(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	pid, err := PathID(c, "picture_id")
	if err != nil {
		return err
	}
	ct, data, err := a.catalog().Picture(c.Request().Context(), id, pid)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, max-age=604800, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, ct, data)
}
