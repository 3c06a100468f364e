package httpapi

// budRoutes is filled in when the bud resource lands.
func (a *API) budRoutes() []Route { return nil }
