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

// maxSequentialPages stops a walk through a server that sends no
// TotalRecords and never sends a short page.
const maxSequentialPages = 10000

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
	// A server that caps the page size below what we asked for still
	// pages consistently if we ask for its size from now on.
	size := min(n, MaxPageSize)
	pages := (first.TotalRecords + size - 1) / size

	results := make([][]T, pages+1)
	results[1] = first.Items
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		sem      = make(chan struct{}, listConcurrency)
	)
	for p := 2; p <= pages; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			page, err := listPage[T](ctx, c, path, nil, p, size)
			if err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
				return
			}
			results[p] = page.Items
		}(p)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return mergePages(results, key), nil
}

// listSequential walks pages one by one for a server that sends no
// TotalRecords, until a short or empty page, or one that repeats the
// previous (a server that ignores StartPage).
func listSequential[T any](ctx context.Context, c *Client, path string, first Page[T], key func(T) int64) ([]T, error) {
	results := [][]T{first.Items}
	prev := first.Items
	for p := 2; len(prev) == first.PageSize && p <= maxSequentialPages; p++ {
		page, err := listPage[T](ctx, c, path, nil, p, first.PageSize)
		if err != nil {
			return nil, err
		}
		if len(page.Items) == 0 || key(page.Items[0]) == key(prev[0]) {
			break
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
