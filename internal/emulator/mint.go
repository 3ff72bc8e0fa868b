package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Seeded user IDs and names.
const (
	AdminID     = 1 // site admin who can impersonate
	SiteAdminID = 2 // site admin without the impersonation permission
	JDoeID      = 3 // a plain user
	NoAPIID     = 4 // a role without REST API access
)

// SeededUsers are the user names that get a seed token, in ID order.
var SeededUsers = []string{"admin", "siteadmin", "jdoe", "noapi"}

// SeedTokenName is the name of each seeded user's token.
const SeedTokenName = "seed"

// seedLifetime is how long seed tokens live.
const seedLifetime = 365 * 24 * time.Hour

// defaultIssuer stands in for the site URL in tokens minted before the
// server knows where it is served.
const defaultIssuer = "http://axero.test"

func (s *Server) seedUsers() {
	seeds := []*userRec{
		{wireUser: wireUser{UserID: AdminID, UserName: "admin", DisplayName: "Site Administrator", Email: "admin@example.com", IsSiteAdmin: true, CanImpersonate: true}},
		{wireUser: wireUser{UserID: SiteAdminID, UserName: "siteadmin", DisplayName: "Sam Siteadmin", Email: "siteadmin@example.com", IsSiteAdmin: true}},
		{wireUser: wireUser{UserID: JDoeID, UserName: "jdoe", DisplayName: "Jane Doe", Email: "jdoe@example.com"}},
		{wireUser: wireUser{UserID: NoAPIID, UserName: "noapi", DisplayName: "Nora Noapi", Email: "noapi@example.com"}, NoAPI: true},
	}
	for _, u := range seeds {
		// The IDs and names above are distinct, so this cannot fail.
		_ = s.st.addUser(u)
	}
}

func (s *Server) seedTokens() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	exp := now.Add(seedLifetime)
	for _, name := range SeededUsers {
		u := s.st.usersByName[name]
		ct, err := s.mintLocked(u.UserID, SeedTokenName, now, &exp, 0)
		if err != nil {
			return err
		}
		s.seedSecrets[name] = ct.Token
	}
	return nil
}

// clock is the current time, truncated to the second as the wire carries it.
func (s *Server) clock() time.Time {
	return s.now().UTC().Truncate(time.Second)
}

// issuer is the site URL written into tokens.
func (s *Server) issuerLocked() string {
	if s.siteURL != "" {
		return s.siteURL
	}
	return defaultIssuer
}

// mintLocked creates a token and returns it with its value. The caller holds
// s.mu. actorID is the impersonating admin, or 0.
func (s *Server) mintLocked(userID int64, name string, created time.Time, expires *time.Time, actorID int64) (wireCreatedToken, error) {
	if _, ok := s.st.usersByID[userID]; !ok {
		return wireCreatedToken{}, fmt.Errorf("no user with ID %d", userID)
	}
	if actorID != 0 {
		if _, ok := s.st.usersByID[actorID]; !ok {
			return wireCreatedToken{}, fmt.Errorf("no user with ID %d", actorID)
		}
	}
	id := s.st.NextTokenID
	claims := jwt.MapClaims{
		"iss":  s.issuerLocked(),
		"sub":  strconv.FormatInt(userID, 10),
		"jti":  strconv.FormatInt(id, 10),
		"iat":  created.Unix(),
		"name": name,
	}
	if expires != nil {
		claims["exp"] = expires.Unix()
	}
	if actorID != 0 {
		claims["act"] = strconv.FormatInt(actorID, 10)
	}
	secret, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.st.SigningKey)
	if err != nil {
		return wireCreatedToken{}, err
	}
	s.st.NextTokenID++
	createdBy := userID
	if actorID != 0 {
		createdBy = actorID
	}
	rec := &tokenRec{
		TokenID:         id,
		Name:            name,
		UserID:          userID,
		DateCreated:     created,
		IsImpersonation: actorID != 0,
		CreatedByUserID: createdBy,
		Hash:            HashSecret(secret),
	}
	if expires != nil {
		e := expires.UTC()
		rec.ExpirationDate = &e
	}
	s.st.addToken(rec)
	s.st.touch()
	if s.opts.RecordSecrets {
		s.secrets = append(s.secrets, secret)
	}
	return wireCreatedToken{wireToken: rec.public(s.clock()), Token: secret}, nil
}

// HashSecret is the form in which a token is stored: hex SHA-256 of its
// value.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// HashSecret is the stored form of secret (hex SHA-256).
func (s *Server) HashSecret(secret string) string { return HashSecret(secret) }
