package sinkemu

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxBody bounds a request body the emulators read: every real request
// is a small JSON document.
const maxBody = 1 << 20

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// ReadBody reads a request body, bounded.
func ReadBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, maxBody))
}
