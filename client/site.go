package client

import "strings"

// NormalizeSite is a site URL in the one spelling that two names of the
// same site share: https:// added to a bare host, scheme and host in lower
// case, the scheme's default port, a trailing slash and a trailing /api
// dropped. Plain http is accepted here, since this only names a site; the
// client decides later whether it may talk to it.
func NormalizeSite(raw string) (string, error) {
	full := strings.TrimSpace(raw)
	if full != "" && !strings.Contains(full, "://") {
		full = "https://" + full
	}
	u, err := parseSiteURL(full, true)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// SameSite reports whether a and b name the same site once normalised. A
// URL that cannot be normalised names no site, so it is never the same as
// another.
func SameSite(a, b string) bool {
	na, errA := NormalizeSite(a)
	nb, errB := NormalizeSite(b)
	return errA == nil && errB == nil && na == nb
}
