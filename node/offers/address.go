package offers

import (
	"errors"
	"fmt"
	"strings"
)

// AddressPrefix is the bech32 human-readable part of gpunet account addresses.
const AddressPrefix = "gpunet"

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// validateAddress checks that s is a lowercase bech32 string (BIP-173) with
// the gpunet prefix, a non-empty data part and a valid checksum. It does not
// decode the bytes: which account that is, is the Registry's business.
func validateAddress(s string) error {
	if len(s) > maxAddressLen {
		return fmt.Errorf("%d characters, at most %d", len(s), maxAddressLen)
	}
	if !strings.HasPrefix(s, AddressPrefix+"1") {
		return fmt.Errorf("%q does not start with %s1", s, AddressPrefix)
	}
	data := s[len(AddressPrefix)+1:]
	if len(data) <= 6 {
		return errors.New("data part too short")
	}
	values := make([]byte, len(data))
	for i := 0; i < len(data); i++ {
		v := strings.IndexByte(bech32Charset, data[i])
		if v < 0 {
			return fmt.Errorf("character %q is not bech32", data[i])
		}
		values[i] = byte(v)
	}
	if bech32Polymod(bech32HRPExpand(AddressPrefix), values) != 1 {
		return errors.New("bad bech32 checksum")
	}
	return nil
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// bech32Polymod is BIP-173's checksum over the expanded prefix and values.
func bech32Polymod(parts ...[]byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, p := range parts {
		for _, v := range p {
			top := chk >> 25
			chk = (chk&0x1ffffff)<<5 ^ uint32(v)
			for i := range 5 {
				if (top>>i)&1 == 1 {
					chk ^= gen[i]
				}
			}
		}
	}
	return chk
}
