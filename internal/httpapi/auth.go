package httpapi

// authRoutes is filled in when the auth resource lands.
func (a *API) authRoutes() []Route { return nil }
