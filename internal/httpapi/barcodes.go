package httpapi

// barcodeRoutes is filled in when the barcode resource lands.
func (a *API) barcodeRoutes() []Route { return nil }
