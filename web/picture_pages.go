package web

// Reference is a product's reference picture as a step or a form shows it:
// a small image served from its own cached address, with the product's
// name as its text alternative.
type Reference struct {
	URL string
	// Product is the product's name and strength, the image's alt text.
	Product string
	// Caption is the line under it (empty: "Expected product").
	Caption string
}

// PictureForm is the upload of a product's reference picture on the
// product's admin form and on its specific gravity screen (pharmacists).
type PictureForm struct {
	Action string
	// Current is the picture shown now; nil when there is none yet.
	Current *Reference
	// MaxKiB is the largest upload accepted.
	MaxKiB int64
	CSRF   string
}
