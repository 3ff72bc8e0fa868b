package timefmt

import "fmt"

// Minutes says a number of minutes exactly, in the largest unit that
// divides it: "1 year", "26 weeks", "90 days", "61 minutes". It is how an
// administrator sets a policy limit, so limits read back the way they were
// set. Unlike Duration it never rounds.
func Minutes(m int64) string {
	units := []struct {
		size int64
		name string
	}{{365 * 24 * 60, "year"}, {7 * 24 * 60, "week"}, {24 * 60, "day"}, {60, "hour"}}
	for _, u := range units {
		if m%u.size == 0 {
			return plural(m/u.size, u.name)
		}
	}
	return plural(m, "minute")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
