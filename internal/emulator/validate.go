package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/timefmt"
)

// Limits from the contract.
const (
	maxNameLength   = 100
	defaultPageSize = 20
	maxPageSize     = 100
	maxBodyBytes    = 1 << 20
)

// query reads a query parameter by name, ignoring case as ASP.NET does.
func query(q url.Values, name string) (string, bool) {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0], true
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// paging reads StartPage (1-based, default 1) and PageSize (1..100,
// default 20).
func paging(r *http.Request) (start, size int, e *apiError) {
	q := r.URL.Query()
	start, size = 1, defaultPageSize
	if v, ok := query(q, "StartPage"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, errorf(http.StatusBadRequest, CodeValidation, "StartPage must be a whole number of at least 1, got %q", v)
		}
		start = n
	}
	if v, ok := query(q, "PageSize"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, 0, errorf(http.StatusBadRequest, CodeValidation, "PageSize must be a whole number from 1 to %d, got %q", maxPageSize, v)
		}
		size = n
	}
	return start, size, nil
}

// pageOf returns one page of items.
func pageOf[T any](items []T, start, size int) []T {
	from := (start - 1) * size
	if from >= len(items) || from < 0 {
		return []T{}
	}
	to := from + size
	if to > len(items) {
		to = len(items)
	}
	return items[from:to]
}

// readBody decodes a JSON object body into a map whose keys are matched
// without regard to case, as ASP.NET model binding does.
func readBody(r *http.Request) (map[string]json.RawMessage, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, CodeValidation, "could not read the request body")
	}
	if len(data) > maxBodyBytes {
		return nil, errorf(http.StatusRequestEntityTooLarge, CodeValidation, "the request body is larger than %d bytes", maxBodyBytes)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errorf(http.StatusBadRequest, CodeValidation, "the request body must be a JSON object")
	}
	out := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		out[strings.ToLower(k)] = v
	}
	return out, nil
}

// bodyName reads and checks the Name field: 1 to 100 characters after
// trimming, no control characters. It returns the trimmed name.
func bodyName(body map[string]json.RawMessage) (string, *apiError) {
	raw, ok := body[fieldName]
	if !ok || string(raw) == "null" {
		return "", errorf(http.StatusBadRequest, CodeValidation, "Name is required")
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return "", errorf(http.StatusBadRequest, CodeValidation, "Name must be a string")
	}
	return validName(name)
}

func validName(name string) (string, *apiError) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errorf(http.StatusBadRequest, CodeValidation, "Name must not be empty")
	}
	if !utf8.ValidString(name) {
		return "", errorf(http.StatusBadRequest, CodeValidation, "Name must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > maxNameLength {
		return "", errorf(http.StatusBadRequest, CodeValidation, "Name must be at most %d characters, got %d", maxNameLength, n)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", errorf(http.StatusBadRequest, CodeValidation, "Name must not contain control characters")
		}
	}
	return name, nil
}

// latestExpiry is the last instant the wire format can carry.
var latestExpiry = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// bodyExpiry reads ExpiresInMinutes and applies the policy. It returns nil
// for a token that never expires.
func bodyExpiry(body map[string]json.RawMessage, p Policy, now time.Time) (*time.Time, *apiError) {
	raw, ok := body[fieldExpiresInMinutes]
	minutes := p.DefaultExpirationMinutes
	if ok && string(raw) != "null" {
		// Only a bare JSON integer will do: not a string, not 1.5, not 1e3.
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, expiryError(p, fmt.Sprintf("got %.40s", raw))
		}
		minutes = n
	}
	switch {
	case minutes < 0:
		return nil, expiryError(p, fmt.Sprintf("got %d", minutes))
	case minutes == 0 && !p.AllowNoExpiration:
		return nil, expiryError(p, "got 0, but tokens that never expire are not allowed")
	case minutes == 0:
		return nil, nil
	case p.MaxExpirationMinutes > 0 && minutes > p.MaxExpirationMinutes:
		return nil, expiryError(p, fmt.Sprintf("got %d", minutes))
	}
	if minutes > int64(latestExpiry.Sub(now)/time.Minute) {
		return nil, expiryError(p, fmt.Sprintf("got %d, which is past the year 9999", minutes))
	}
	exp := now.Add(time.Duration(minutes) * time.Minute)
	return &exp, nil
}

// expiryError is a 400 whose message names the limit.
func expiryError(p Policy, got string) *apiError {
	var limit string
	if p.MaxExpirationMinutes > 0 {
		limit = fmt.Sprintf("ExpiresInMinutes must be a whole number from 1 to %d (the site's maximum, %s)", p.MaxExpirationMinutes, timefmt.Minutes(p.MaxExpirationMinutes))
	} else {
		limit = "ExpiresInMinutes must be a positive whole number (the site sets no maximum)"
	}
	if p.AllowNoExpiration {
		limit += ", or 0 for a token that never expires"
	} else {
		limit += "; tokens that never expire are not allowed"
	}
	return errorf(http.StatusBadRequest, CodeValidation, "%s; %s", limit, got)
}
