package classifier

// Feature hashing. Every feature is a 64-bit hash; its low bits pick a
// weight bucket and its top bit the sign (signed feature hashing, which
// keeps collisions unbiased). The same walk is used for training and
// scoring, so the two always see identical features.

// Namespaces keep the feature kinds apart in the shared table.
const (
	nsChar3  = 0x9e3779b97f4a7c15
	nsChar4  = 0xbf58476d1ce4e5b9
	nsChar5  = 0x94d049bb133111eb
	nsWord   = 0x2545f4914f6cdd1d
	nsBigram = 0xd6e8feb86659fd93
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix is the splitmix64 finaliser: it spreads FNV's weak high bits over the
// whole word so that bucket and sign are well distributed.
func mix(h, ns uint64) uint64 {
	h ^= ns
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// isWordByte reports whether c belongs to a word token: ASCII letters and
// digits, and every byte of a non-ASCII rune (so words of any script are
// tokens).
func isWordByte(c byte) bool {
	return c >= 0x80 || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// walk calls visit with the hash of every feature of s and the byte
// offset in s where it starts: character 3-, 4- and 5-grams of the bytes
// of " "+s+" " and word unigrams and bigrams. It does not allocate.
func walk(s string, visit func(h uint64, pos int)) {
	n := len(s) + 2
	at := func(i int) byte {
		if i == 0 || i == n-1 {
			return ' '
		}
		return s[i-1]
	}
	for i := 0; i+3 <= n; i++ {
		h := uint64(fnvOffset)
		h = (h ^ uint64(at(i))) * fnvPrime
		h = (h ^ uint64(at(i+1))) * fnvPrime
		h = (h ^ uint64(at(i+2))) * fnvPrime
		visit(mix(h, nsChar3), i)
		if i+4 > n {
			continue
		}
		h = (h ^ uint64(at(i+3))) * fnvPrime
		visit(mix(h, nsChar4), i)
		if i+5 > n {
			continue
		}
		h = (h ^ uint64(at(i+4))) * fnvPrime
		visit(mix(h, nsChar5), i)
	}
	var prev uint64
	havePrev := false
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		start := i
		h := uint64(fnvOffset)
		for i < len(s) && isWordByte(s[i]) {
			h = (h ^ uint64(s[i])) * fnvPrime
			i++
		}
		visit(mix(h, nsWord), start)
		if havePrev {
			visit(mix(prev*fnvPrime^h, nsBigram), start)
		}
		prev, havePrev = h, true
	}
}
