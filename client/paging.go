package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// listConcurrency bounds the pages that ListAll fetches at once.
const listConcurrency = 4

// MaxListRecords and maxListPages bound one listing. A server's
// TotalRecords is a claim, not a fact: one that says 10^9 must not make the
// client plan ten million requests or allocate for them. A listing that
// claims or delivers more is refused in one line; nothing is allocated
// from the claim, only from what actually arrived.
const (
	MaxListRecords = 100_000
	maxListPages   = 10_000
)

// tooManyError refuses a listing beyond MaxListRecords or maxListPages.
func tooManyError(path, what string) *Error {
	return &Error{Kind: KindTooMany, Method: http.MethodGet, Path: path, Err: fmt.Errorf("the listing at %s %s; refused", path, what)}
}

// checkPaging validates StartPage (1-based) and PageSize (1..100).
func checkPaging(startPage, pageSize int) error {
	if startPage < 1 {
		return fmt.Errorf("start page %d is invalid: pages are numbered from 1", startPage)
	}
	if pageSize < 1 || pageSize > MaxPageSize {
		return fmt.Errorf("page size %d is invalid: it must be between 1 and %d", pageSize, MaxPageSize)
	}
	return nil
}

// listPage fetches one page of a list endpoint.
func listPage[T any](ctx context.Context, c *Client, path string, query url.Values, startPage, pageSize int) (Page[T], error) {
	page, _, err := listPageTotal[T](ctx, c, path, query, startPage, pageSize)
	return page, err
}

// listPageTotal fetches one page and reports whether the server sent
// TotalRecords. Without it, TotalRecords is the count of items up to and
// including this page, a lower bound.
func listPageTotal[T any](ctx context.Context, c *Client, path string, query url.Values, startPage, pageSize int) (Page[T], bool, error) {
	if err := checkPaging(startPage, pageSize); err != nil {
		return Page[T]{}, false, err
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("StartPage", strconv.Itoa(startPage))
	q.Set("PageSize", strconv.Itoa(pageSize))
	items := []T{}
	p, err := c.fetch(ctx, call{method: http.MethodGet, path: path, query: q}, wantNullable, &items)
	if err != nil {
		return Page[T]{}, false, err
	}
	if items == nil {
		items = []T{}
	}
	page := Page[T]{Items: items, StartPage: startPage, PageSize: pageSize}
	if p.total != nil {
		page.TotalRecords = *p.total
		return page, true, nil
	}
	page.TotalRecords = (startPage-1)*pageSize + len(items)
	return page, false, nil
}

// listAll fetches every page of a list: the first with the largest page
// size, then the rest concurrently (at most listConcurrency at once), and
// returns the items in page order. key identifies an item, so that an item
// that moved to the next page while we read is listed once.
//
// The server's TotalRecords only says how many pages to ask for, within
// MaxListRecords and maxListPages: a fixed pool of workers asks for them
// one by one, stops at the first short page, and pages are kept as they
// arrive, so memory follows what was received, never what was claimed.
func listAll[T any](ctx context.Context, c *Client, path string, key func(T) int64) ([]T, error) {
	first, hasTotal, err := listPageTotal[T](ctx, c, path, nil, 1, MaxPageSize)
	if err != nil {
		return nil, err
	}
	if !hasTotal {
		return listSequential(ctx, c, path, first, key)
	}
	n := len(first.Items)
	if n == 0 || n >= first.TotalRecords {
		return first.Items, nil
	}
	if first.TotalRecords > MaxListRecords {
		return nil, tooManyError(path, fmt.Sprintf("claims %d records, more than the %d one listing may hold", first.TotalRecords, MaxListRecords))
	}
	// A server that caps the page size below what we asked for still
	// pages consistently if we ask for its size from now on.
	size := min(n, MaxPageSize)
	pages := (first.TotalRecords + size - 1) / size
	if pages > maxListPages {
		return nil, tooManyError(path, fmt.Sprintf("needs %d pages of %d, more than the %d one listing may take", pages, size, maxListPages))
	}
	f := &pageFetcher[T]{last: pages, results: map[int][]T{1: first.Items}, received: n}
	if err := f.run(ctx, c, path, size); err != nil {
		return nil, err
	}
	ordered := make([][]T, 0, len(f.results))
	for p := 1; p <= pages; p++ {
		if items, ok := f.results[p]; ok {
			ordered = append(ordered, items)
		}
	}
	return mergePages(ordered, key), nil
}

// pageFetcher holds the state a listing's workers share.
type pageFetcher[T any] struct {
	mu       sync.Mutex
	next     int // the last page handed out
	last     int // the last page to ask for; lowered by a short page
	results  map[int][]T
	received int
	err      error
}

// claim hands out the next page to fetch, or 0 when there is none.
func (f *pageFetcher[T]) claim() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil || f.next >= f.last {
		return 0
	}
	if f.next == 0 {
		f.next = 1
	}
	f.next++
	return f.next
}

// store keeps a page; a short page marks the end of the data, whatever
// TotalRecords said, and more records than allowed stop the listing.
func (f *pageFetcher[T]) store(path string, p, size int, items []T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results[p] = items
	f.received += len(items)
	if len(items) < size && p < f.last {
		f.last = p
	}
	if f.received > MaxListRecords && f.err == nil {
		f.err = tooManyError(path, fmt.Sprintf("sent more than the %d records one listing may hold", MaxListRecords))
	}
}

func (f *pageFetcher[T]) fail(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

// run fetches pages 2..last with at most listConcurrency workers.
func (f *pageFetcher[T]) run(ctx context.Context, c *Client, path string, size int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range min(listConcurrency, f.last-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := f.claim(); p != 0; p = f.claim() {
				page, err := listPage[T](ctx, c, path, nil, p, size)
				if err != nil {
					f.fail(err)
					cancel()
					return
				}
				f.store(path, p, size, page.Items)
			}
		}()
	}
	wg.Wait()
	if f.err != nil {
		return f.err
	}
	return ctx.Err()
}

// listSequential walks pages one by one for a server that sends no
// TotalRecords, until a short or empty page, or one that repeats the
// previous (a server that ignores StartPage). A walk that goes on past
// maxListPages or MaxListRecords is refused rather than cut short quietly.
func listSequential[T any](ctx context.Context, c *Client, path string, first Page[T], key func(T) int64) ([]T, error) {
	results := [][]T{first.Items}
	prev := first.Items
	received := len(first.Items)
	for p := 2; len(prev) == first.PageSize; p++ {
		if p > maxListPages {
			return nil, tooManyError(path, fmt.Sprintf("goes on past %d pages", maxListPages))
		}
		page, err := listPage[T](ctx, c, path, nil, p, first.PageSize)
		if err != nil {
			return nil, err
		}
		if len(page.Items) == 0 || key(page.Items[0]) == key(prev[0]) {
			break
		}
		received += len(page.Items)
		if received > MaxListRecords {
			return nil, tooManyError(path, fmt.Sprintf("sent more than the %d records one listing may hold", MaxListRecords))
		}
		results = append(results, page.Items)
		prev = page.Items
	}
	return mergePages(results, key), nil
}

// mergePages concatenates pages in order, dropping repeated items.
func mergePages[T any](pages [][]T, key func(T) int64) []T {
	seen := map[int64]bool{}
	out := []T{}
	for _, items := range pages {
		for _, it := range items {
			k := key(it)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, it)
		}
	}
	return out
}
