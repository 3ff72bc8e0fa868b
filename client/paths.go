package client

import (
	"fmt"
	"strings"
)

// Paths are the endpoint paths, relative to the site URL. Axero does not
// publish the token-management paths, so every one can be overridden in the
// configuration. {UserID} and {TokenID} are replaced per request.
type Paths struct {
	Me         string `yaml:"me,omitempty" json:"me,omitempty"`
	User       string `yaml:"user,omitempty" json:"user,omitempty"`
	Users      string `yaml:"users,omitempty" json:"users,omitempty"`
	Policy     string `yaml:"policy,omitempty" json:"policy,omitempty"`
	Tokens     string `yaml:"tokens,omitempty" json:"tokens,omitempty"`
	Token      string `yaml:"token,omitempty" json:"token,omitempty"`
	UserTokens string `yaml:"user_tokens,omitempty" json:"user_tokens,omitempty"`
}

// DefaultPaths are this project's defaults (see docs/api.md).
var DefaultPaths = Paths{ //nolint:gosec // endpoint paths, not credentials
	Me:         "/api/users/me",
	User:       "/api/users/{UserID}",
	Users:      "/api/users",
	Policy:     "/api/bearertokens/policy",
	Tokens:     "/api/bearertokens",
	Token:      "/api/bearertokens/{TokenID}",
	UserTokens: "/api/users/{UserID}/bearertokens",
}

// PathKeys lists the configuration keys of Paths, for help and validation.
var PathKeys = []string{"me", "user", "users", "policy", "tokens", "token", "user_tokens"}

// WithDefaults fills every empty path from DefaultPaths.
func (p Paths) WithDefaults() Paths {
	fill := func(v *string, d string) {
		if strings.TrimSpace(*v) == "" {
			*v = d
		}
	}
	fill(&p.Me, DefaultPaths.Me)
	fill(&p.User, DefaultPaths.User)
	fill(&p.Users, DefaultPaths.Users)
	fill(&p.Policy, DefaultPaths.Policy)
	fill(&p.Tokens, DefaultPaths.Tokens)
	fill(&p.Token, DefaultPaths.Token)
	fill(&p.UserTokens, DefaultPaths.UserTokens)
	return p
}

// Set assigns one path by its configuration key.
func (p *Paths) Set(key, value string) error {
	switch key {
	case "me":
		p.Me = value
	case "user":
		p.User = value
	case "users":
		p.Users = value
	case "policy":
		p.Policy = value
	case "tokens":
		p.Tokens = value
	case "token":
		p.Token = value
	case "user_tokens":
		p.UserTokens = value
	default:
		return fmt.Errorf("unknown path key %q (want one of %s)", key, strings.Join(PathKeys, ", "))
	}
	return nil
}

func expandPath(tmpl string, vars map[string]string) string {
	for k, v := range vars {
		tmpl = strings.ReplaceAll(tmpl, "{"+k+"}", v)
	}
	return tmpl
}
