package scheduler

import (
	"math/big"
	"math/bits"

	"cosmossdk.io/math"
)

// amount is a token amount prepared for the hot path: a uint64 when the
// value fits (the common case), a *big.Int otherwise (negative or huge).
// Arithmetic never goes through math.Int, whose operations panic past 256
// bits; a panic inside the EndBlocker would halt the chain.
type amount struct {
	u    uint64
	fast bool
	b    *big.Int // set only when !fast
}

// newAmount converts x; a nil math.Int counts as zero.
func newAmount(x math.Int) amount {
	if x.IsNil() {
		return amount{fast: true}
	}
	if !x.IsNegative() && x.IsUint64() {
		return amount{u: x.Uint64(), fast: true}
	}
	return amount{b: x.BigInt()}
}

func (a amount) big() *big.Int {
	if a.fast {
		return new(big.Int).SetUint64(a.u)
	}
	return a.b
}

func (a amount) sign() int {
	if a.fast {
		if a.u == 0 {
			return 0
		}
		return 1
	}
	return a.b.Sign()
}

// cmpAmount returns -1, 0 or +1 as a <, ==, > b.
func cmpAmount(a, b amount) int {
	if a.fast && b.fast {
		switch {
		case a.u < b.u:
			return -1
		case a.u > b.u:
			return 1
		}
		return 0
	}
	return a.big().Cmp(b.big())
}

// ratio1000 is MaxPoints*num/den rounded down, for num <= den, den > 0,
// computed in 128 bits so it never overflows; 1000 when den == 0 or num >= den.
func ratio1000(num, den uint64) int64 {
	if den == 0 || num >= den {
		return MaxPoints
	}
	hi, lo := bits.Mul64(num, MaxPoints)
	q, _ := bits.Div64(hi, lo, den) // hi < den because num < den
	return int64(q)
}

// ratio1000Amount is MaxPoints*num/den clamped to [0, MaxPoints]; MaxPoints
// when den <= 0.
func ratio1000Amount(num, den amount) int64 {
	if num.fast && den.fast {
		return ratio1000(num.u, den.u)
	}
	d := den.big()
	if d.Sign() <= 0 {
		return MaxPoints
	}
	q := new(big.Int).Mul(num.big(), big.NewInt(MaxPoints))
	q.Quo(q, d)
	switch {
	case q.Sign() < 0:
		return 0
	case q.Cmp(big.NewInt(MaxPoints)) > 0:
		return MaxPoints
	}
	return q.Int64()
}

// subAmount is a-b; callers pass a >= b.
func subAmount(a, b amount) amount {
	if a.fast && b.fast && a.u >= b.u {
		return amount{u: a.u - b.u, fast: true}
	}
	return amount{b: new(big.Int).Sub(a.big(), b.big())}
}

// stakeCap is StakeSaturation * max(minStake, StakeFloor): the stake at
// which the stake scorer saturates.
func stakeCap(minStake amount) amount {
	m := minStake
	if cmpAmount(m, amount{u: StakeFloor, fast: true}) < 0 {
		m = amount{u: StakeFloor, fast: true}
	}
	if m.fast {
		if hi, lo := bits.Mul64(m.u, StakeSaturation); hi == 0 {
			return amount{u: lo, fast: true}
		}
	}
	return amount{b: new(big.Int).Mul(m.big(), big.NewInt(StakeSaturation))}
}
