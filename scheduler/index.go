package scheduler

// This file is Plan's index: which providers a job's walk can skip.
// Providers sit in static rank order (price ascending first, see plan.go);
// every list below is a subsequence of that order, so walking any of them
// meets providers in rank order, and a walk stops at the first provider
// whose price is above the job's maximum.
//
// Free resources only shrink during a Plan, so "provider r has at least L
// free of dimension d" only ever turns false: each list is a deletion-only
// set over positions, kept as a union-find "next alive" pointer array with
// path halving (amortized near O(1) per step and per deletion).

// skipList is the alive subset of items (nil items: positions are ranks).
type skipList struct {
	next  []int32 // next[i] == i: alive; len(items)+1, the last a sentinel
	items []int32
	alive int
}

func newSkipList(size int, items []int32, alive func(pos int) bool) *skipList {
	s := &skipList{next: make([]int32, size+1), items: items}
	for i := range size {
		if alive(i) {
			s.next[i] = int32(i)
			s.alive++
		} else {
			s.next[i] = int32(i + 1)
		}
	}
	s.next[size] = int32(size)
	return s
}

// find returns the first alive position >= i (len on none).
func (s *skipList) find(i int32) int32 {
	for s.next[i] != i {
		s.next[i] = s.next[s.next[i]]
		i = s.next[i]
	}
	return i
}

func (s *skipList) remove(i int32) {
	if s.next[i] == i {
		s.next[i] = i + 1
		s.alive--
	}
}

func (s *skipList) len() int32 { return int32(len(s.next) - 1) }

func (s *skipList) rank(i int32) int32 {
	if s.items == nil {
		return i
	}
	return s.items[i]
}

// modelRef is a provider's position in one model list.
type modelRef struct {
	model int32
	pos   int32
}

// levels returns the thresholds of one dimension: 0, 1, 2, 3, 4, 6, 8, 12,
// 16, ... (powers of two and their 1.5 multiples), up to maxFree. A job
// needing v walks the list of the largest level <= v, a superset of the
// providers with v free.
func levels(maxFree uint64) []uint64 {
	out := []uint64{0}
	for p := uint64(1); p != 0 && p <= maxFree; p <<= 1 {
		out = append(out, p)
		if q := p + p/2; q > p && p >= 2 && q <= maxFree {
			out = append(out, q)
		}
	}
	return out
}

// levelIndex is the index of the largest level <= v.
func levelIndex(lv []uint64, v uint64) int {
	lo, hi := 0, len(lv) // lv[lo] <= v < lv[hi]
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if lv[mid] <= v {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
