package scheduler

// This file is the score stage. Each scorer gives a feasible provider
// 0..MaxPoints integer points; the Total is the weighted sum. No floats:
// every ratio is MaxPoints*num/den rounded down, in 128-bit or big.Int
// arithmetic, so every validator computes the same Total.

// scorer is one named scoring function over a feasible (node, job) pair.
type scorer struct {
	name   string
	weight func(*Options) int64
	points func(*node, *jobView) int64
}

// scorers is the chain of scorers, in the order of Candidate.Scores.
var scorers = [...]scorer{
	// price: cheaper is better relative to the job's maximum,
	// 1000*(max-price)/max; 1000 when the maximum is zero.
	{ScorePrice, func(o *Options) int64 { return o.PriceWeight }, scorePrice},
	// stake: more slashable stake is better, saturating at
	// StakeSaturation*max(MinStake, StakeFloor): 1000*min(stake, cap)/cap.
	// A provider holding exactly a MinStake above the floor gets 250.
	{ScoreStake, func(o *Options) int64 { return o.StakeWeight }, scoreStake},
	// verified: past verified jobs, saturating at VerifiedSaturation.
	{ScoreVerified, func(o *Options) int64 { return o.VerifiedWeight }, scoreVerified},
	// packing: best fit. GPU jobs: 1000*(total-freeAfter)/total over the
	// provider's GPUs; CPU jobs: 1000*cpus/freeCPUs, the share of the free
	// CPUs the job takes. Fuller providers score higher, keeping large
	// free blocks for large jobs.
	{ScorePacking, func(o *Options) int64 { return o.PackingWeight }, scorePacking},
}

func scorePrice(n *node, j *jobView) int64 {
	if j.maxPrice.sign() <= 0 {
		return MaxPoints
	}
	if cmpAmount(n.price, j.maxPrice) > 0 {
		return 0
	}
	return ratio1000Amount(subAmount(j.maxPrice, n.price), j.maxPrice)
}

func scoreStake(n *node, j *jobView) int64 {
	return stakePoints(n.stake, j.cap)
}

func stakePoints(stake, cap amount) int64 {
	if stake.sign() <= 0 {
		return 0
	}
	if cmpAmount(stake, cap) >= 0 {
		return MaxPoints
	}
	return ratio1000Amount(stake, cap)
}

func scoreVerified(n *node, _ *jobView) int64 {
	return ratio1000(min(n.verified, VerifiedSaturation), VerifiedSaturation)
}

func scorePacking(n *node, j *jobView) int64 {
	if need := j.need[dimGPU]; need > 0 {
		if n.total == 0 {
			return MaxPoints
		}
		after := min(n.free[dimGPU]-min(need, n.free[dimGPU]), n.total)
		return ratio1000(n.total-after, n.total)
	}
	if n.free[dimCPU] == 0 {
		return MaxPoints
	}
	return ratio1000(j.need[dimCPU], n.free[dimCPU])
}

// total is the weighted sum of every scorer's points; at most
// 4*MaxWeight*MaxPoints, far below the int64 limit.
func total(n *node, j *jobView, o *Options) int64 {
	var t int64
	for i := range scorers {
		if w := scorers[i].weight(o); w != 0 {
			t += w * scorers[i].points(n, j)
		}
	}
	return t
}

// scores lists every scorer's points and the weighted total, for Explain.
func scores(n *node, j *jobView, o *Options) ([]Score, int64) {
	out := make([]Score, len(scorers))
	var t int64
	for i := range scorers {
		p := scorers[i].points(n, j)
		out[i] = Score{Name: scorers[i].name, Value: p}
		t += scorers[i].weight(o) * p
	}
	return out, t
}

// staticPoints is the job-independent part of the rank, used to order
// providers of equal price: stake points against the floor saturation
// (a job with no MinStake) plus verified points, weighted.
func staticPoints(n *node, o *Options) int64 {
	return o.StakeWeight*stakePoints(n.stake, stakeCap(amount{fast: true})) +
		o.VerifiedWeight*scoreVerified(n, nil)
}

// better reports whether (ta, a) ranks before (tb, b): Total descending,
// then Address ascending.
func better(ta int64, a string, tb int64, b string) bool {
	if ta != tb {
		return ta > tb
	}
	return a < b
}
