// Package web is Rapport's dashboard: server-rendered html/template pages
// with a small embedded script and style sheet (go:embed; no npm build is
// needed to run it). Pages: login, the inbox list (new items arrive live
// over the inbox's Server-Sent Events), a conversation with the reply
// composer (the PHI guard's reasons and safe rewrite when a reply is
// blocked), the publishing queue with submit, approve and reject, and the
// publishing calendar.
//
// Every page is sent with a Content-Security-Policy that allows scripts
// and styles from the server only (no inline code); state changes go
// through the JSON API with the session's CSRF token, which pages carry
// in a meta tag. The package reads through the store contracts with the
// signed-in actor, so every read is scoped and audited there; it must not
// hold SQL, call networks or log page contents.
package web
