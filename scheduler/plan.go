package scheduler

import (
	"slices"
	"strings"

	"cosmossdk.io/math"
)

// Explain scores every provider for one job: one Candidate per provider,
// sorted by (feasible first, Total desc, Address asc). It answers "why not
// placed?" for `gpunet job plan`. Unlike Plan it has no CandidateLimit: every
// feasible provider is fully scored, so its first candidate is the best by
// Total, which Plan picks whenever that provider is among the first
// CandidateLimit feasible providers in static rank order.
func Explain(job Job, providers []Provider, opts Options) []Candidate {
	o := opts.normalized()
	in := interner{}
	nodes := make([]node, len(providers))
	for i := range providers {
		nodes[i] = newNode(&providers[i], int32(i), in)
	}
	jv := newJobView(&job, in)
	out := make([]Candidate, len(nodes))
	for i := range nodes {
		c := Candidate{Provider: nodes[i].addr, Reason: nodes[i].check(&jv)}
		if c.Reason == "" {
			c.Feasible = true
			c.Scores, c.Total = scores(&nodes[i], &jv, &o)
		}
		out[i] = c
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		switch {
		case a.Feasible != b.Feasible:
			if a.Feasible {
				return -1
			}
			return 1
		case a.Total != b.Total:
			if a.Total > b.Total {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	return out
}

// Plan places jobs in the given order, at most budget placements, each job
// onto the best feasible provider, updating that provider's free resources
// so that no GPU, CPU, memory or disk is given twice. A job that no provider
// fits is skipped. The placements come back in job order. Plan copies what
// it updates and never writes to jobs or providers.
//
// Per job, the stages are:
//
//	filter: walk the providers in static rank order (price ascending, then
//	        static points descending, then Address ascending) through the
//	        smallest index list that holds every provider that could fit
//	        (see index.go), stopping at the first price above the job's max;
//	limit:  keep the first CandidateLimit feasible providers;
//	score:  score those fully, packing included;
//	select: the best by (Total desc, Address asc).
//
// The result depends only on the set of providers (addresses must be
// unique), the jobs' order, budget and opts.
func Plan(jobs []Job, providers []Provider, budget int, opts Options) []Placement {
	if budget <= 0 || len(jobs) == 0 || len(providers) == 0 {
		return nil
	}
	p := newPlanner(providers, opts.normalized())
	var out []Placement
	for i := range jobs {
		if len(out) >= budget {
			break
		}
		r, t, ok := p.place(&jobs[i])
		if !ok {
			continue
		}
		price := providers[p.nodes[r].input].PricePerGPUHour
		if price.IsNil() {
			price = math.ZeroInt()
		}
		out = append(out, Placement{JobID: jobs[i].ID, Provider: p.nodes[r].addr, PricePerGPUHour: price, Total: t})
	}
	return out
}

// newEntries interns an inventory's models.
func newEntries(gpus []GPU, in interner) []gpuEntry {
	if len(gpus) == 0 {
		return nil
	}
	out := make([]gpuEntry, len(gpus))
	for i, g := range gpus {
		out[i] = gpuEntry{model: in.add(g.Model), mem: g.MemoryMiB, count: uint64(g.Count)}
	}
	return out
}

// newNode prepares a provider; with a nil interner its GPU entries are left
// for the caller to intern.
func newNode(pr *Provider, input int32, in interner) node {
	n := node{
		addr:     pr.Address,
		input:    input,
		jailed:   pr.Jailed,
		free:     [numDims]uint64{dimGPU: uint64(pr.FreeGPUs), dimCPU: pr.FreeCPUs, dimMem: pr.FreeMemoryMiB, dimDisk: pr.FreeDiskMiB},
		price:    newAmount(pr.PricePerGPUHour),
		stake:    newAmount(pr.SlashableStake),
		verified: pr.VerifiedJobs,
	}
	for _, g := range pr.GPUs {
		n.total += uint64(g.Count)
	}
	if in != nil {
		n.gpus = newEntries(pr.GPUs, in)
	}
	return n
}

// planner is Plan's working state: the providers as nodes in static rank
// order, and the index over them.
type planner struct {
	opts  Options
	in    interner
	nodes []node // static rank order; "rank" below is an index here

	levels  [numDims][]uint64
	counts  [numDims][]int       // alive non-jailed providers with free >= level
	lists   [numDims][]*skipList // built on first use
	maxFree [numDims]uint64      // over non-jailed providers, at the start
	models  []*skipList          // per interned model: providers with it and a free GPU
	maxStk  amount               // most stake of a non-jailed provider
	anyLive bool                 // some provider is not jailed
	scratch []int32
}

func newPlanner(providers []Provider, o Options) *planner {
	p := &planner{opts: o, in: interner{}, nodes: make([]node, len(providers)), maxStk: amount{fast: true}}
	for i := range providers {
		p.nodes[i] = newNode(&providers[i], int32(i), nil)
	}
	for i := range p.nodes {
		p.nodes[i].static = staticPoints(&p.nodes[i], &p.opts)
	}
	slices.SortFunc(p.nodes, func(a, b node) int {
		if c := cmpAmount(a.price, b.price); c != 0 {
			return c
		}
		if a.static != b.static {
			if a.static > b.static {
				return -1
			}
			return 1
		}
		return strings.Compare(a.addr, b.addr)
	})
	// Intern models in rank order (so ids do not depend on input order) and
	// build the model lists, also in rank order.
	var items [][]int32
	for r := range p.nodes {
		n := &p.nodes[r]
		n.gpus = newEntries(providers[n.input].GPUs, p.in)
		if n.jailed {
			continue
		}
		p.anyLive = true
		if cmpAmount(n.stake, p.maxStk) > 0 {
			p.maxStk = n.stake
		}
		for d := range numDims {
			p.maxFree[d] = max(p.maxFree[d], n.free[d])
		}
		for i := range n.gpus {
			m := n.gpus[i].model
			for int(m) >= len(items) {
				items = append(items, nil)
			}
			if k := len(items[m]); k > 0 && items[m][k-1] == int32(r) {
				continue // model listed twice in one inventory
			}
			n.refs = append(n.refs, modelRef{model: m, pos: int32(len(items[m]))})
			items[m] = append(items[m], int32(r))
		}
	}
	for len(items) < len(p.in) { // models only jailed providers have
		items = append(items, nil)
	}
	p.models = make([]*skipList, len(items))
	for m, it := range items {
		p.models[m] = newSkipList(len(it), it, func(pos int) bool { return p.nodes[it[pos]].free[dimGPU] > 0 })
	}
	// Level counts per dimension.
	for d := range numDims {
		lv := levels(p.maxFree[d])
		p.levels[d] = lv
		cnt := make([]int, len(lv))
		for r := range p.nodes {
			if !p.nodes[r].jailed {
				cnt[levelIndex(lv, p.nodes[r].free[d])]++
			}
		}
		for l := len(cnt) - 2; l >= 0; l-- {
			cnt[l] += cnt[l+1]
		}
		p.counts[d] = cnt
		p.lists[d] = make([]*skipList, len(lv))
	}
	return p
}

// level returns the list of dimension d at level index l, building it.
func (p *planner) level(d, l int) *skipList {
	if s := p.lists[d][l]; s != nil {
		return s
	}
	floor := p.levels[d][l]
	s := newSkipList(len(p.nodes), nil, func(r int) bool {
		return !p.nodes[r].jailed && p.nodes[r].free[d] >= floor
	})
	p.lists[d][l] = s
	return s
}

// place finds the job's provider and takes its resources; it returns the
// rank and Total, or ok == false when no provider fits.
func (p *planner) place(job *Job) (rank int32, tot int64, ok bool) {
	if !p.anyLive {
		return 0, 0, false
	}
	jv := newJobView(job, p.in)
	if jv.filter && len(jv.models) == 0 {
		return 0, 0, false // no inventory has an acceptable model
	}
	if cmpAmount(jv.minStake, p.maxStk) > 0 {
		return 0, 0, false
	}
	// Filter: choose the smallest list that holds every provider that
	// could fit: the level list of the scarcest dimension, or the union of
	// the acceptable models' lists.
	bestD, bestL, bestN := -1, 0, 0
	for d := range numDims {
		if jv.need[d] > p.maxFree[d] {
			return 0, 0, false
		}
		l := levelIndex(p.levels[d], jv.need[d])
		if c := p.counts[d][l]; bestD < 0 || c < bestN {
			bestD, bestL, bestN = d, l, c
		}
	}
	if bestN == 0 {
		return 0, 0, false
	}
	limit := p.opts.CandidateLimit
	cand := p.scratch[:0]
	modelN := 0
	if jv.filter {
		for _, m := range jv.models {
			modelN += p.models[m].alive
		}
	}
	if jv.filter && modelN < bestN {
		// Limit per model list, then merge: the first `limit` feasible of
		// the union are among the first `limit` feasible of each list.
		for _, m := range jv.models {
			cand = p.collect(p.models[m], &jv, limit, cand)
		}
		slices.Sort(cand)
		cand = slices.Compact(cand)
		if len(cand) > limit {
			cand = cand[:limit]
		}
	} else {
		cand = p.collect(p.level(bestD, bestL), &jv, limit, cand)
	}
	p.scratch = cand
	if len(cand) == 0 {
		return 0, 0, false
	}
	// Score and select.
	best := cand[0]
	bestT := total(&p.nodes[best], &jv, &p.opts)
	for _, r := range cand[1:] {
		if t := total(&p.nodes[r], &jv, &p.opts); better(t, p.nodes[r].addr, bestT, p.nodes[best].addr) {
			best, bestT = r, t
		}
	}
	p.take(best, &jv)
	return best, bestT, true
}

// collect appends to out the ranks of the first `limit` feasible providers
// of s, in rank order.
func (p *planner) collect(s *skipList, jv *jobView, limit int, out []int32) []int32 {
	found := 0
	for i := s.find(0); i < s.len(); i = s.find(i + 1) {
		r := s.rank(i)
		n := &p.nodes[r]
		if cmpAmount(n.price, jv.maxPrice) > 0 {
			break // rank order is price ascending: no later provider is cheap enough
		}
		if n.check(jv) == "" {
			out = append(out, r)
			if found++; found == limit {
				break
			}
		}
	}
	return out
}

// take subtracts the job's resources from the provider at rank r and drops
// it from the lists whose level it fell below.
func (p *planner) take(r int32, jv *jobView) {
	n := &p.nodes[r]
	for d := range numDims {
		old := n.free[d]
		now := old - jv.need[d] // feasible: need <= old
		n.free[d] = now
		lv := p.levels[d]
		for l := levelIndex(lv, old); l > 0 && lv[l] > now; l-- {
			p.counts[d][l]--
			if s := p.lists[d][l]; s != nil {
				s.remove(r)
			}
		}
	}
	if jv.need[dimGPU] > 0 && n.free[dimGPU] == 0 {
		for _, ref := range n.refs {
			p.models[ref.model].remove(ref.pos)
		}
	}
}
