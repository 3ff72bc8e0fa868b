package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/axero-cli/axero/internal/emulator"
)

// A test starts an emulator on loopback, talks to it over HTTP with a
// seeded token, and then checks what the server holds.
func Example() {
	srv, err := emulator.Start(emulator.Options{Users: 10})
	if err != nil {
		panic(err)
	}
	defer func() { _ = srv.Close() }()

	req, _ := http.NewRequest("POST", srv.URL()+"/api/users/1003/bearertokens", strings.NewReader(`{"Name":"migration","ExpiresInMinutes":1440}`))
	req.Header.Set("Authorization", "Bearer "+srv.SeedToken("admin"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var answer struct {
		ResponseData struct {
			TokenID         int64
			UserID          int64
			IsImpersonation bool
		}
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	fmt.Println(resp.StatusCode, answer.ResponseData.UserID, answer.ResponseData.IsImpersonation)

	for _, t := range srv.Tokens() {
		if t.Name == "migration" {
			fmt.Println(t.CreatedByUserID, t.Delivered, len(t.Hash))
		}
	}
	// Output:
	// 201 1003 true
	// 1 true 64
}
