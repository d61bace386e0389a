// Package chainlink is a node's link to the gpunet chain: it keeps the
// node's provider entry registered and current, answers "which peer ID did
// this chain address register?" for offer validation, and follows the
// chain's events over CometBFT's websocket, reconnecting when the chain
// restarts.
//
// It owns retrying and reconnecting; a chain that is down is a normal state
// it reports and waits out. It must not decide what to offer or run.
package chainlink
