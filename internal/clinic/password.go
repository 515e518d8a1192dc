package clinic

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP Password Storage Cheat Sheet's first
// recommended configuration ("a minimum configuration of 19 MiB of memory, an
// iteration count of 2, and 1 degree of parallelism"), with a 16-byte salt
// and a 32-byte key as RFC 9106 section 3.1 uses. A hash records its own
// parameters (PHC string format), so raising them later keeps old hashes
// verifiable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// maxConcurrentHashes bounds how many argon2id computations run at once.
// Each holds its whole memory cost (argonMemoryKiB, 19 MiB, for hashes made
// here) until it returns, so without a bound 100 concurrent logins would
// allocate about 1.9 GB. With p=1 a hash keeps one core busy, so more hashes
// at once than cores give no more throughput, only more memory; 4 covers the
// cores of a small clinic server and caps argon2id memory at 4 × 19 MiB =
// 76 MiB (a tampered row's larger m is refused by VerifyPassword above
// 2 GiB). The OWASP Password Storage Cheat Sheet's parameters
// (m=19456 KiB, t=2, p=1) stay as they are: the bound queues logins, it
// does not weaken a hash.
const maxConcurrentHashes = 4

// argonSlots is the semaphore of maxConcurrentHashes; argonInFlight counts
// the computations holding a slot and argonPeak the most seen at once.
var (
	argonSlots    = make(chan struct{}, maxConcurrentHashes)
	argonInFlight atomic.Int32
	argonPeak     atomic.Int32
)

// idKey is argon2.IDKey under the semaphore.
func idKey(pw, salt []byte, iters, memKiB uint32, threads uint8, keyLen uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	n := argonInFlight.Add(1)
	defer argonInFlight.Add(-1)
	for {
		p := argonPeak.Load()
		if n <= p || argonPeak.CompareAndSwap(p, n) {
			break
		}
	}
	return argon2.IDKey(pw, salt, iters, memKiB, threads, keyLen)
}

// MaxConcurrentHashes is the most argon2id computations that run at once.
func MaxConcurrentHashes() int { return maxConcurrentHashes }

// PeakConcurrentHashes is the most argon2id computations that have run at
// once since the process started; never above MaxConcurrentHashes.
func PeakConcurrentHashes() int { return int(argonPeak.Load()) }

// Password length bounds. NIST SP 800-63B section 5.1.1.2 requires at least 8
// characters and a maximum of at least 64; clinical records justify 12.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckPassword checks a new password's length.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return Invalid("password", "needs at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return Invalid("password", "has more than %d characters", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$KEY (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := idKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, made by HashPassword with
// any parameters. A malformed hash never matches.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false
	}
	// Refuse absurd parameters from a tampered row rather than exhaust memory.
	if mem == 0 || mem > 1<<21 || iters == 0 || iters > 100 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 1024 {
		return false
	}
	got := idKey([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when a login does not exist, so that the
// response time does not tell whether a login exists. It is made on first
// use, not at start-up: every command of the binary would pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such user; this hash only spends time")
	return h
})

// SpendPasswordTime does the work of one VerifyPassword without a user.
func SpendPasswordTime(pw string) { VerifyPassword(dummyHash(), pw) }

// GeneratePassword returns a random password of 16 letters and digits in
// groups of four (31 symbols, about 79 bits), without look-alike characters
// (no i, l, o, 0, 1): one an administrator can read out or type. It meets
// MinPasswordLen.
func GeneratePassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	out := make([]byte, 0, 19)
	for i := 0; i < 16; i++ {
		// Rejection sampling keeps every symbol equally likely: 256 is not a
		// multiple of 31.
		var b [1]byte
		for {
			if _, err := rand.Read(b[:]); err != nil {
				return "", fmt.Errorf("generate password: %w", err)
			}
			if int(b[0]) < 256-256%len(alphabet) {
				break
			}
		}
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(b[0])%len(alphabet)])
	}
	return string(out), nil
}
