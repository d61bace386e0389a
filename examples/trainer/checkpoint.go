package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/gpunet/gpunet/runtime/safetensors"
)

// formatVersion names the checkpoint layout in its metadata.
const formatVersion = "gpunet-trainer/v1"

// checkpointName is the contract's file name for the state after step steps.
func checkpointName(step int64) string { return fmt.Sprintf("step-%08d.safetensors", step) }

// metadata describes the run; it depends on nothing but constants, so equal
// states give equal bytes.
func metadata() map[string]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return map[string]string{
		"format": formatVersion,
		"model":  fmt.Sprintf("mlp %d-%d(relu)-1, mse", inDim, hidDim),
		"optimizer": fmt.Sprintf("sgd lr=%s momentum=%s batch=%d",
			f(lr), f(momentum), batch),
		// The data is not drawn from one running RNG: step s uses
		// PCG(seed, s), so seed and step are the whole RNG state.
		"rng": "math/rand/v2 PCG(seed, step) per step; state = (seed, step)",
	}
}

// tensors lists the state as named tensors, one name per Params field.
func tensors(s *State) []safetensors.NamedData {
	var out []safetensors.NamedData
	for _, p := range []struct {
		prefix string
		p      *Params
	}{{"params.", &s.Params}, {"momentum.", &s.Momentum}} {
		out = append(out,
			f32(p.prefix+"w1", p.p.W1[:], hidDim, inDim),
			f32(p.prefix+"b1", p.p.B1[:], hidDim),
			f32(p.prefix+"w2", p.p.W2[:], 1, hidDim),
			f32(p.prefix+"b2", p.p.B2[:], 1),
		)
	}
	var step, seed [8]byte
	binary.LittleEndian.PutUint64(step[:], uint64(s.Step))
	binary.LittleEndian.PutUint64(seed[:], s.Seed)
	return append(out,
		safetensors.NamedData{Name: "step", DType: safetensors.I64, Shape: []uint64{}, Data: step[:]},
		safetensors.NamedData{Name: "seed", DType: safetensors.U64, Shape: []uint64{}, Data: seed[:]},
	)
}

func f32(name string, v []float32, shape ...uint64) safetensors.NamedData {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return safetensors.NamedData{Name: name, DType: safetensors.F32, Shape: shape, Data: b}
}

// saveCheckpoint writes the state to dir atomically: a temporary file in
// dir, fsynced, renamed over the final name, then dir fsynced, so a reader
// sees either no checkpoint or a whole one, even across a crash.
func saveCheckpoint(dir string, s *State) (path string, err error) {
	path = filepath.Join(dir, checkpointName(s.Step))
	tmp, err := os.CreateTemp(dir, "."+checkpointName(s.Step)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create checkpoint: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if err := safetensors.Write(w, metadata(), tensors(s)); err != nil {
		return "", fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; the daemon may read it as another user.
	if err := tmp.Chmod(0o644); err != nil {
		return "", fmt.Errorf("chmod checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("sync checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("rename checkpoint: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return "", fmt.Errorf("sync checkpoint dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return "", fmt.Errorf("sync checkpoint dir: %w", err)
	}
	return path, nil
}

// loadCheckpoint reads a state saveCheckpoint wrote, checking every tensor's
// dtype and shape against this trainer's.
func loadCheckpoint(path string) (*State, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	defer f.Close()
	if got := f.Header().Metadata["format"]; got != formatVersion {
		return nil, fmt.Errorf("read checkpoint %s: format %q, want %q", path, got, formatVersion)
	}
	s := &State{}
	want := tensors(s) // names, dtypes and shapes; the data is overwritten below
	if n := len(f.Header().Tensors); n != len(want) {
		return nil, fmt.Errorf("read checkpoint %s: %d tensors, want %d", path, n, len(want))
	}
	for _, w := range want {
		t, ok := f.Tensor(w.Name)
		if !ok {
			return nil, fmt.Errorf("read checkpoint %s: no tensor %q", path, w.Name)
		}
		if t.DType != w.DType || !slices.Equal(t.Shape, w.Shape) {
			return nil, fmt.Errorf("read checkpoint %s: tensor %q is %v%v, want %v%v", path, w.Name, t.DType, t.Shape, w.DType, w.Shape)
		}
		b, err := f.ReadTensor(w.Name, nil)
		if err != nil {
			return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
		}
		if err := fill(s, w.Name, b); err != nil {
			return nil, fmt.Errorf("read checkpoint %s: %w", path, err)
		}
	}
	return s, nil
}

// fill stores tensor name's little-endian bytes into s.
func fill(s *State, name string, b []byte) error {
	dst := map[string][]float32{
		"params.w1": s.Params.W1[:], "params.b1": s.Params.B1[:],
		"params.w2": s.Params.W2[:], "params.b2": s.Params.B2[:],
		"momentum.w1": s.Momentum.W1[:], "momentum.b1": s.Momentum.B1[:],
		"momentum.w2": s.Momentum.W2[:], "momentum.b2": s.Momentum.B2[:],
	}
	switch name {
	case "step":
		v := binary.LittleEndian.Uint64(b)
		if v > maxStep {
			return fmt.Errorf("step %d out of range", v)
		}
		s.Step = int64(v)
	case "seed":
		s.Seed = binary.LittleEndian.Uint64(b)
	default:
		d, ok := dst[name]
		if !ok {
			return fmt.Errorf("unexpected tensor %q", name)
		}
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	}
	return nil
}
