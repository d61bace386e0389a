package types

import errorsmod "cosmossdk.io/errors"

// Registered errors. Codes are part of the chain's API: never reuse one.
var (
	ErrInvalidAmount     = errorsmod.Register(ModuleName, 2, "invalid amount")
	ErrInvalidRole       = errorsmod.Register(ModuleName, 3, "invalid role")
	ErrInsufficientStake = errorsmod.Register(ModuleName, 4, "insufficient stake")
	ErrBelowMinStake     = errorsmod.Register(ModuleName, 5, "below minimum stake")
	ErrProviderExists    = errorsmod.Register(ModuleName, 6, "provider already registered")
	ErrProviderNotFound  = errorsmod.Register(ModuleName, 7, "provider not found")
	ErrInvalidProvider   = errorsmod.Register(ModuleName, 8, "invalid provider")
	ErrPeerIDTaken       = errorsmod.Register(ModuleName, 9, "peer id already registered")
	ErrInvalidJobSpec    = errorsmod.Register(ModuleName, 10, "invalid job spec")
	ErrJobNotFound       = errorsmod.Register(ModuleName, 11, "job not found")
	ErrNotJobClient      = errorsmod.Register(ModuleName, 12, "not the job's client")
	ErrJobNotCancellable = errorsmod.Register(ModuleName, 13, "job cannot be cancelled")
	ErrInvalidAddress    = errorsmod.Register(ModuleName, 14, "invalid address")
	ErrInvalidParams     = errorsmod.Register(ModuleName, 15, "invalid params")
	ErrInvalidGenesis    = errorsmod.Register(ModuleName, 16, "invalid genesis")
	ErrUnauthorized      = errorsmod.Register(ModuleName, 17, "unauthorized")
	ErrInsufficientFunds = errorsmod.Register(ModuleName, 18, "insufficient funds")
	ErrInvariantBroken   = errorsmod.Register(ModuleName, 19, "module invariant broken")
)

// Lease errors (issue 6).
var (
	ErrNotLeaseHolder  = errorsmod.Register(ModuleName, 20, "not the job's lease holder")
	ErrWrongJobState   = errorsmod.Register(ModuleName, 21, "job is not in a state for this")
	ErrInvalidReport   = errorsmod.Register(ModuleName, 22, "invalid checkpoint report")
	ErrInvalidCapacity = errorsmod.Register(ModuleName, 23, "invalid provider capacity")
)
