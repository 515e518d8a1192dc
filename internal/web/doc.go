// Package web serves ketatrack's HTML pages (html/template, htmx, Pico CSS)
// and its JSON API under /api/v1, both over the same domain services
// (internal/clinic interfaces, implemented by internal/store). Neither
// computes a dose or a statistic of its own.
//
// # Files
//
//	server.go      Config (the services), New, the middleware chain
//	routes.go      the route table: every route with who may call it
//	route.go       access levels and the guard that checks them
//	middleware.go  security headers (CSP), session lookup, logging, login rate limit
//	error.go       clinic error codes → HTTP status, in one place; JSON error bodies
//	render.go      templates, the page and form types, template functions
//	nav.go         the main menu by role
//	auth.go, home.go, patient.go, user.go, audit.go, health.go   handlers by feature
//	templates/     layout.html, partials (_name.html), one file per page
//	static/        app.css, favicon; vendor/ from scripts/vendor-frontend.sh
//	openapi.json   the API description served at /api/openapi.json
//	fhir.go        the read-only FHIR R4 endpoint under /fhir (internal/fhir), described by
//	               its CapabilityStatement at /fhir/metadata rather than openapi.json
//
// # Adding a page
//
//  1. Template: templates/NAME.html defining "content" (and optionally
//     "head" for a page script such as a chart). It is rendered inside
//     layout.html. Partials shared by pages go in templates/_NAME.html.
//     No inline <script>, style="…" or on*="…" attributes: the
//     Content-Security-Policy (middleware.go) allows only files from
//     /static/. Page JavaScript goes in static/NAME.js, loaded from "head";
//     charts use static/vendor/uPlot.iife.min.js and uPlot.min.css.
//  2. Handler: func (s *Server) nameThing(w http.ResponseWriter, r
//     *http.Request) error in the file of its feature. Call a service, then
//     s.render(w, r, http.StatusOK, "NAME", &page{Title: …, Data: …}). Return
//     errors: the guard renders them (HTML page or JSON) with the status from
//     error.go. For a form, re-render it with f.setErr(err) on EINVALID so the
//     user sees what they typed and which field is wrong. After a successful
//     POST, redirect (303) with ?flash=….
//  3. Route: one line in routes.go with its access level (public, loggedIn,
//     staffOnly, adminOnly). Record-level rights are checked again in the
//     store for every record.
//  4. Menu: one line in nav.go with the roles that see the entry.
//  5. API: an /api/v1/… route in routes.go, a handler that decodes with
//     decodeJSON and answers with writeJSON, and its description in
//     openapi.json (TestOpenAPIDescribesEveryRoute fails without it;
//     TestOpenAPISchemasMatchResponses checks answers against the schemas —
//     add a case for the new endpoint).
//  6. Tests: security_test.go already sends every non-public route an
//     anonymous request; add a rights case (a patient asking for another
//     patient's record by ID must get 404) and, for a page people use
//     every day, a step in browser_test.go.
//
// # Security
//
// Sessions are random 256-bit tokens in an HttpOnly, SameSite=Lax cookie
// (Secure over TLS or with Config.SecureCookies) or an "Authorization:
// Bearer" header; the database keeps only their SHA-256. Every
// state-changing request passes http.CrossOriginProtection (Sec-Fetch-Site /
// Origin), so a cross-origin form post or fetch is refused with 403. Login is
// limited per client address here and per account in the store.
package web
