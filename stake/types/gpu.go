package types

// TotalGPUs counts the GPUs of every entry.
func TotalGPUs(gpus []GPU) uint32 {
	var n uint32
	for _, g := range gpus {
		n += g.Count
	}
	return n
}

// SameGPUs reports whether two inventories list the same entries in the
// same order.
func SameGPUs(a, b []GPU) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Model != b[i].Model || a[i].MemoryMib != b[i].MemoryMib || a[i].ComputeCapability != b[i].ComputeCapability || a[i].Count != b[i].Count {
			return false
		}
	}
	return true
}
