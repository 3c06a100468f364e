package httpapi

// webRoutes is filled in when the web resource lands.
func (a *API) webRoutes() []Route { return nil }
