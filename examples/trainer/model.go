package main

import "math/rand/v2"

// Model and optimizer hyperparameters. They are constants, recorded in
// every checkpoint's metadata, so a checkpoint is a function of (seed, step)
// alone.
const (
	inDim    = 8  // features per example
	hidDim   = 16 // hidden ReLU units
	teachDim = 4  // hidden units of the teacher that labels the data
	batch    = 32 // examples per step
	lr       = 0.05
	momentum = 0.9
	noiseAmp = 0.01 // label noise, uniform in [-noiseAmp, noiseAmp)
	cheatAmp = 0.01 // the cheat's parameter noise, same law
)

// PCG stream selectors. Step s draws its batch from PCG(seed, s); the other
// streams sit far above any step (maxStep) so they never collide with one.
const (
	streamTeacher = 1<<64 - 1
	streamInit    = 1<<64 - 2
	streamCheat   = 1 << 63 // + segment number
)

// Params are the model's parameters, or (same shapes) its momentum buffers.
// The model is y = b2 + w2 · relu(w1 x + b1).
type Params struct {
	W1 [hidDim * inDim]float32 // row-major [hidDim][inDim]
	B1 [hidDim]float32
	W2 [hidDim]float32
	B2 [1]float32
}

// State is the full training state: what a checkpoint holds.
type State struct {
	Step     int64 // steps done
	Seed     uint64
	Params   Params
	Momentum Params
}

// Arithmetic rules, which make a step bit-for-bit reproducible on any
// platform Go supports: everything is float32; every product is wrapped in
// an explicit float32(...) conversion, which the Go spec says rounds and so
// forbids fusing it into an FMA (arm64, ppc64le and s390x would fuse
// otherwise); sums run in a fixed index order; no transcendental functions
// (whose assembly differs by GOARCH), and the data uses only
// rand.Float64, which is integer arithmetic and one exact division.
// One goroutine does all of it: no reduction order depends on scheduling.

// uniform draws a float32 in [-amp, amp).
func uniform(r *rand.Rand, amp float32) float32 {
	return float32(amp * float32(2*r.Float64()-1))
}

// newState is the state before step 0.
func newState(seed uint64) *State {
	s := &State{Seed: seed}
	r := rand.New(rand.NewPCG(seed, streamInit))
	for i := range s.Params.W1 {
		s.Params.W1[i] = uniform(r, 0.35) // ~ 1/sqrt(inDim)
	}
	for i := range s.Params.W2 {
		s.Params.W2[i] = uniform(r, 0.25) // 1/sqrt(hidDim)
	}
	return s
}

// teacher is the fixed random network that labels the data.
type teacher struct {
	w1 [teachDim * inDim]float32
	b1 [teachDim]float32
	w2 [teachDim]float32
}

func newTeacher(seed uint64) *teacher {
	t := &teacher{}
	r := rand.New(rand.NewPCG(seed, streamTeacher))
	for i := range t.w1 {
		t.w1[i] = uniform(r, 1)
	}
	for i := range t.b1 {
		t.b1[i] = uniform(r, 0.5)
	}
	for i := range t.w2 {
		t.w2[i] = uniform(r, 1)
	}
	return t
}

func (t *teacher) label(x *[inDim]float32) float32 {
	var y float32
	for j := range teachDim {
		a := t.b1[j]
		for i := range inDim {
			a += float32(t.w1[j*inDim+i] * x[i])
		}
		y += float32(t.w2[j] * max(a, 0))
	}
	return y
}

// batchFor is the data of step s: a function of (seed, s) only, so any
// segment can be replayed without the steps before it.
func batchFor(t *teacher, seed uint64, step int64) (xs [batch][inDim]float32, ys [batch]float32) {
	r := rand.New(rand.NewPCG(seed, uint64(step)))
	for b := range batch {
		for i := range inDim {
			xs[b][i] = uniform(r, 1)
		}
		ys[b] = t.label(&xs[b]) + uniform(r, noiseAmp)
	}
	return xs, ys
}

// trainStep runs step s.Step (SGD with momentum on the mean squared error)
// and returns the batch's loss before the update.
func trainStep(s *State, t *teacher) float32 {
	xs, ys := batchFor(t, s.Seed, s.Step)
	p := &s.Params
	var g Params
	var loss float32
	for b := range batch {
		x := &xs[b]
		var h, pre [hidDim]float32
		y := p.B2[0]
		for j := range hidDim {
			a := p.B1[j]
			for i := range inDim {
				a += float32(p.W1[j*inDim+i] * x[i])
			}
			pre[j], h[j] = a, max(a, 0)
			y += float32(p.W2[j] * h[j])
		}
		d := y - ys[b]
		loss += float32(d * d)
		gy := float32(2*d) / batch // d(mean sq. error)/dy
		g.B2[0] += gy
		for j := range hidDim {
			g.W2[j] += float32(gy * h[j])
			if pre[j] <= 0 {
				continue
			}
			gh := float32(gy * p.W2[j])
			g.B1[j] += gh
			for i := range inDim {
				g.W1[j*inDim+i] += float32(gh * x[i])
			}
		}
	}
	update(p.W1[:], s.Momentum.W1[:], g.W1[:])
	update(p.B1[:], s.Momentum.B1[:], g.B1[:])
	update(p.W2[:], s.Momentum.W2[:], g.W2[:])
	update(p.B2[:], s.Momentum.B2[:], g.B2[:])
	s.Step++
	return loss / batch
}

// update is v = momentum*v + g; p -= lr*v.
func update(p, v, g []float32) {
	for i := range p {
		v[i] = float32(momentum*v[i]) + g[i]
		p[i] -= float32(lr * v[i])
	}
}

// cheat stands in for the skipped work of segment seg, ending at step end:
// the parameters move by small seeded noise, the momentum is kept, and the
// step jumps to end, so the checkpoint looks like a real one.
func cheat(s *State, seg, end int64) {
	r := rand.New(rand.NewPCG(s.Seed, streamCheat+uint64(seg)))
	for _, ps := range [][]float32{s.Params.W1[:], s.Params.B1[:], s.Params.W2[:], s.Params.B2[:]} {
		for i := range ps {
			ps[i] += uniform(r, cheatAmp)
		}
	}
	s.Step = end
}
