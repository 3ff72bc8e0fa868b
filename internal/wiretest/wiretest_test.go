package wiretest

import (
	"strings"
	"testing"
)

func TestDiffNamesEveryDifferenceByItsPath(t *testing.T) {
	want := `{"IsError": false, "ResponseData": [{"UserID": 3, "Email": "a@b", "LastUsedDate": null}], "TotalRecords": 1}`
	if d := Diff([]byte(want), []byte(`{"TotalRecords":1,"IsError":false,"ResponseData":[{"LastUsedDate":null,"Email":"a@b","UserID":3}]}`)); len(d) != 0 {
		t.Errorf("the same document in another order and spacing differs: %v", d)
	}
	cases := map[string]string{
		`{"IsError": false, "ResponseData": [{"UserId": 3, "Email": "a@b", "LastUsedDate": null}], "TotalRecords": 1}`:   "ResponseData[0].UserID: missing|ResponseData[0].UserId: not in the contract",
		`{"IsError": false, "ResponseData": [{"UserID": "3", "Email": "a@b", "LastUsedDate": null}], "TotalRecords": 1}`: `ResponseData[0].UserID: want 3, got "3"`,
		`{"IsError": false, "ResponseData": [{"UserID": 3, "Email": "a@b", "LastUsedDate": null}], "TotalRecords": 1.0}`: "TotalRecords: want 1, got 1.0",
		`{"IsError": false, "ResponseData": [{"UserID": 3, "Email": "a@b"}], "TotalRecords": 1}`:                         "ResponseData[0].LastUsedDate: missing (want null)",
		`{"IsError": false, "ResponseData": [], "TotalRecords": 1}`:                                                      "ResponseData: 0 items, want 1",
		`[]`: "(the document): want",
		`{`:  "got is not JSON",
	}
	for got, wantText := range cases {
		d := strings.Join(Diff([]byte(want), []byte(got)), "|")
		for _, part := range strings.Split(wantText, "|") {
			if !strings.Contains(d, part) {
				t.Errorf("Diff with %s = %q, want it to say %q", got, d, part)
			}
		}
	}
}
