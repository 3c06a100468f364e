package httpapi

// calcRoutes is filled in when the calc resource lands.
func (a *API) calcRoutes() []Route { return nil }
