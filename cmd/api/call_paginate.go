package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/output"
)

// callPageSize is the largest page the API serves.
const callPageSize = 100

// callMaxPages bounds --paginate against a server that keeps answering
// full pages; at 100 records a page it is a million records.
const callMaxPages = 10000

// withPage sets StartPage and PageSize in path's query, replacing any the
// user gave, and keeps the other parameters in their order.
func withPage(path string, page, size int) string {
	base, query, _ := strings.Cut(path, "?")
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err == nil && (strings.EqualFold(name, "StartPage") || strings.EqualFold(name, "PageSize")) {
			continue
		}
		kept = append(kept, kv)
	}
	kept = append(kept, "StartPage="+strconv.Itoa(page), "PageSize="+strconv.Itoa(size))
	return base + "?" + strings.Join(kept, "&")
}

// listPage is one page of a list answer.
type listPage struct {
	Items  []json.RawMessage
	Total  *int
	IsList bool
}

func parseListPage(body []byte) listPage {
	var env struct {
		ResponseData json.RawMessage `json:"ResponseData"`
		TotalRecords *int            `json:"TotalRecords"`
	}
	data := bytes.TrimSpace(body)
	if json.Unmarshal(data, &env) == nil && env.ResponseData != nil {
		data = env.ResponseData
	}
	var items []json.RawMessage
	if json.Unmarshal(data, &items) != nil {
		return listPage{}
	}
	return listPage{Items: items, Total: env.TotalRecords, IsList: true}
}

// paginate fetches StartPage 1, 2, ... with PageSize 100 until TotalRecords
// items have arrived (or, without TotalRecords, a short or empty page
// does), then prints one JSON array of them. With --raw each page's body is
// printed as it arrives instead, one per line. An answer that is not a list is printed
// as a single request's would be.
func paginate(ctx context.Context, cl *client.Client, req client.RawRequest, p *callPrinter) error {
	path := req.Path
	var items []json.RawMessage
	for page := 1; ; page++ {
		if page > callMaxPages {
			return fmt.Errorf("--paginate stopped after %d pages; the server kept answering full pages", callMaxPages)
		}
		req.Path = withPage(path, page, callPageSize)
		resp, err := cl.Do(ctx, req)
		if err != nil {
			return err
		}
		p.maskTokens(resp)
		if p.Include {
			p.head(resp)
		}
		if err := checkResponse(req, resp); err != nil {
			p.errorBody(resp)
			return err
		}
		lp := parseListPage(resp.Body)
		if p.Raw || (!lp.IsList && page == 1) {
			if err := p.payload(resp.Body); err != nil {
				return err
			}
			if p.Raw && p.JQ == "" && !p.IO.IsStdoutTTY() && !bytes.HasSuffix(resp.Body, []byte("\n")) {
				fmt.Fprintln(p.IO.Out)
			}
			if !lp.IsList {
				return nil
			}
		}
		items = append(items, lp.Items...)
		if len(lp.Items) == 0 ||
			(lp.Total != nil && len(items) >= *lp.Total) ||
			(lp.Total == nil && len(lp.Items) < callPageSize) {
			break
		}
	}
	if p.Raw {
		return nil
	}
	return output.PrintJSON(p.IO, joinArray(items), p.JQ)
}

func joinArray(items []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}
