// Package web owns Bulwark's dashboard: one self-contained page, embedded
// in the binary, that the gateway serves at /dashboard/. It reads the
// gateway's admin API (/admin/events) with the operator's own API key; it
// loads nothing from the network and holds no state on the server.
package web
