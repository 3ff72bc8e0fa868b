package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// apiError is an error answer: its status, message and ErrorCode word.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode words the emulator sends.
const (
	CodeValidation       = "ValidationError"
	CodeUnauthorized     = "Unauthorized"
	CodeForbidden        = "Forbidden"
	CodeNotFound         = "NotFound"
	CodeMethodNotAllowed = "MethodNotAllowed"
	CodeRateLimited      = "TooManyRequests"
	CodeUnavailable      = "ServiceUnavailable"
	CodeServerError      = "InternalServerError"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"IsError":true,"ErrorMessage":"the emulator could not encode its answer","ErrorCode":"InternalServerError"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeOK(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, okEnvelope{ResponseData: data})
}

func writeList(w http.ResponseWriter, data any, total int) {
	writeJSON(w, http.StatusOK, okEnvelope{ResponseData: data, TotalRecords: &total})
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, errEnvelope{IsError: true, ErrorMessage: e.Message, ErrorCode: e.Code})
}

// answerRetryLater writes a 429 or 503 that asks the client to come back:
// with a Retry-After of whole seconds, or, when after is negative, with none
// (the client then backs off on its own, as it must for a server that
// names no delay). It counts the answer in the Stats.
func (s *Server) answerRetryLater(w http.ResponseWriter, status int, code, what string, after time.Duration) {
	if status == http.StatusTooManyRequests {
		s.counts.tooMany.Add(1)
	} else {
		s.counts.unavailable.Add(1)
	}
	if after < 0 {
		writeError(w, errorf(status, code, "%s; retry later", what))
		return
	}
	secs := retryAfterSeconds(after)
	w.Header().Set("Retry-After", secs)
	unit := "seconds"
	if secs == "1" {
		unit = "second"
	}
	writeError(w, errorf(status, code, "%s; retry after %s %s", what, secs, unit))
}

// retryAfterSeconds is the Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	if d <= 0 {
		d = time.Second
	}
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return strconv.FormatInt(secs, 10)
}

// loginPage is what HTMLMode serves: a single sign-on page, as a proxy in
// front of the wrong base URL answers.
const loginPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Intranet</title></head>
<body>
<form method="post" action="/login">
<h1>Sign in to your intranet</h1>
<label>User name <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`

func writeLoginPage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(loginPage)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(loginPage))
}
