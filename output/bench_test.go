package output

import (
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/iostreams"
)

// benchTokens is a list the size of a large administrator's view.
func benchTokens(n int) []sampleToken {
	out := make([]sampleToken, n)
	for i := range out {
		exp := now.Add(time.Duration(i) * time.Hour)
		out[i] = sampleToken{TokenID: int64(1000 + i), Name: "integration-" + strconv.Itoa(i), ExpirationDate: &exp, Status: "Active"}
	}
	return out
}

func benchPrint(b *testing.B, format string, tty bool) {
	records := benchTokens(1000)
	table := func(tty bool) TableData {
		t := TableData{Headers: []string{"ID", "NAME", "EXPIRES", "STATUS"}}
		for _, s := range records {
			t.Rows = append(t.Rows, []string{strconv.FormatInt(s.TokenID, 10), s.Name, FormatExpiry(s.ExpirationDate, tty, now), s.Status})
		}
		return t
	}
	ios, _, _, _ := iostreams.Test()
	ios.Out = io.Discard
	ios.SetStdoutTTY(tty)
	b.ReportAllocs()
	for b.Loop() {
		if err := Print(ios, Options{Format: format}, records, table); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrint1000TableTTY(b *testing.B) { benchPrint(b, "table", true) }
func BenchmarkPrint1000TSV(b *testing.B)      { benchPrint(b, "table", false) }
func BenchmarkPrint1000CSV(b *testing.B)      { benchPrint(b, "csv", false) }
func BenchmarkPrint1000JSON(b *testing.B)     { benchPrint(b, "json", false) }
func BenchmarkPrint1000JSONTTY(b *testing.B)  { benchPrint(b, "json", true) }
func BenchmarkPrint1000YAML(b *testing.B)     { benchPrint(b, "yaml", false) }
