package httpapi

// formularyRoutes is filled in when the formulary resource lands.
func (a *API) formularyRoutes() []Route { return nil }
