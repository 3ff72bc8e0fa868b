package credentials

import (
	"time"

	"github.com/axero-cli/axero/internal/config"
)

// Held is what a profile records about the token it holds.
type Held struct {
	TokenID int64
	Name    string
	// Expires is when the token expires; the zero time means never.
	Expires time.Time
}

// SetHeld records in p that it now holds the token h, whose value is
// secret, kept in store (config.StoreKeychain or config.StoreFile), and
// binds it to the site that issued it (BindToSite).
func SetHeld(p *config.Profile, store string, h Held, secret string) {
	BindToSite(p, secret)
	p.TokenStore = store
	p.TokenID = h.TokenID
	p.TokenName = h.Name
	p.TokenExpires = nil
	if !h.Expires.IsZero() {
		t := h.Expires.UTC()
		p.TokenExpires = &t
	}
}

// NewHolder describes the profile that StoreInKeychainProfile creates or
// updates.
type NewHolder struct {
	// Site is the profile in use, whose URL the token belongs to; its
	// Paths, AllowHTTP and CAFile (an absolute path, or "" for none)
	// replace the profile's, so that it talks to the site the same way.
	Site config.Profile
	// UserID and UserName are the token's user; an empty UserName keeps
	// the one the profile has.
	UserID   int64
	UserName string
}

// StoreInKeychainProfile keeps secret, the token h, in the OS keychain as
// the credential of profile name on the site of to, and records the
// profile (created, or updated in place with its other settings kept) so
// that `axero --profile NAME` and `axero exec` use it. The keychain entry
// is written before the profile is saved, so that a profile never points
// at a missing entry. Storing the same token again is harmless.
func (c *Credentials) StoreInKeychainProfile(name string, to NewHolder, h Held, secret string) error {
	cfg, err := c.Config()
	if err != nil {
		return err
	}
	p := &config.Profile{}
	if old, ok := cfg.Profile(name); ok {
		cp := *old
		p = &cp
	}
	p.Paths, p.AllowHTTP, p.CAFile = to.Site.Paths, to.Site.AllowHTTP, to.Site.CAFile
	p.URL = to.Site.URL
	p.UserID = to.UserID
	if to.UserName != "" {
		p.User = to.UserName
	}
	SetHeld(p, config.StoreKeychain, h, secret)
	if err := c.Store(name, p, secret); err != nil {
		return err
	}
	cfg.SetProfile(name, p)
	return cfg.Save()
}
