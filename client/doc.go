// Package client is the typed client of Axero's REST API for bearer
// tokens, on resty: the envelope, errors, retries, paging, TLS and proxies.
// It speaks the wire contract in docs/api.md; the goldens under
// testdata/wire hold its decoding and its requests to that contract.
package client
