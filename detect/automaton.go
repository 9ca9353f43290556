package detect

// This file holds the Aho–Corasick automaton of the literal pass.
//
// It is hand-written rather than taken from a library because the scan needs
// three things together that the Go packages we looked at do not give at once:
// ASCII case folding inside the automaton (credential keys are matched in any
// case), runs anchored at a chosen position that stop as soon as no literal
// can match there (the scan starts the automaton only where its prefix filter
// allows), and no allocation per line. With a few dozen literals the whole
// automaton is a few kilobytes: byte classes shrink each row to the distinct
// bytes the literals use, and states are renumbered so that every state with
// an output sorts last, which turns "did something match here?" into a single
// comparison.

// automaton is a dense DFA over byte classes, built from lower-case literals
// and run over ASCII-folded input.
type automaton struct {
	class    [256]uint8 // byte -> class; class 0 is "no literal uses this byte"
	nclass   int
	next     []uint16 // state*nclass + class -> state (half the cache of int32)
	accept   int32    // states >= accept have outputs
	outs     [][]int  // state - accept -> pattern indexes ending here
	pats     []string
	patLen   []int
	patCount int
	depth    []int32 // state -> length of the trie prefix it stands for
	maxLen   int
	// prefix is a bit set indexed by a hash of three bytes, ASCII case
	// folded: the bit of every literal's first three bytes is set. Testing
	// it costs a load and a bit test per byte with no dependency from one
	// byte to the next, where a DFA step waits on the previous state; so the
	// filter runs several times faster than the automaton, which then runs
	// only where a literal may start (a false hit costs a few steps).
	prefix [1 << 16 / 64]uint64
}

// prefixHash hashes three bytes, folded to lower case by setting bit 5 (it
// folds some punctuation too, which only adds false hits), to 16 bits.
func prefixHash(b0, b1, b2 byte) uint32 {
	x := (uint32(b0) | uint32(b1)<<8 | uint32(b2)<<16) | 0x202020
	return (x * 0x9E3779B1) >> 16
}

func compile(pats []string) *automaton {
	a := &automaton{pats: pats, patLen: make([]int, len(pats)), patCount: len(pats)}
	// Byte classes: each byte a literal uses (both cases) gets its own class.
	a.nclass = 1
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			b := p[i]
			if a.class[b] == 0 {
				a.class[b] = uint8(a.nclass)
				if 'a' <= b && b <= 'z' {
					a.class[b-'a'+'A'] = uint8(a.nclass)
				}
				a.nclass++
			}
		}
	}
	// The trie, with goto edges by class.
	type node struct {
		edge [256]int32 // by class; -1 none
		fail int32
		out  []int
	}
	newNode := func() *node {
		n := &node{}
		for i := range n.edge {
			n.edge[i] = -1
		}
		return n
	}
	nodes := []*node{newNode()}
	var trie [][256]int32 // the goto edges alone, before failure links fill them in
	for pi, p := range pats {
		a.patLen[pi] = len(p)
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			if nodes[s].edge[c] < 0 {
				nodes = append(nodes, newNode())
				nodes[s].edge[c] = int32(len(nodes) - 1)
			}
			s = nodes[s].edge[c]
		}
		nodes[s].out = append(nodes[s].out, pi)
	}
	for _, n := range nodes {
		trie = append(trie, n.edge)
	}
	// Breadth-first: failure links, inherited outputs, and full transitions.
	queue := []int32{}
	for c := 0; c < a.nclass; c++ {
		if t := nodes[0].edge[c]; t >= 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		} else {
			nodes[0].edge[c] = 0
		}
	}
	order := []int32{0}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		order = append(order, s)
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for c := 0; c < a.nclass; c++ {
			t := nodes[s].edge[c]
			if t >= 0 {
				nodes[t].fail = nodes[f].edge[c]
				queue = append(queue, t)
			} else {
				nodes[s].edge[c] = nodes[f].edge[c]
			}
		}
	}
	// Renumber: states without outputs first, then states with outputs.
	renum := make([]int32, len(nodes))
	n := int32(0)
	for _, s := range order {
		if len(nodes[s].out) == 0 {
			renum[s] = n
			n++
		}
	}
	a.accept = n
	for _, s := range order {
		if len(nodes[s].out) > 0 {
			renum[s] = n
			a.outs = append(a.outs, nodes[s].out)
			n++
		}
	}
	// Depths, for stopping an anchored run once no literal can still match.
	a.depth = make([]int32, len(nodes))
	var walk func(s int32, d int32)
	seen := make([]bool, len(nodes))
	walk = func(s int32, d int32) {
		seen[s] = true
		a.depth[renum[s]] = d
		for c := 0; c < a.nclass; c++ {
			if t := trie[s][c]; t > 0 && !seen[t] {
				walk(t, d+1)
			}
		}
	}
	walk(0, 0)
	for _, p := range pats {
		a.maxLen = max(a.maxLen, len(p))
		if len(p) < 3 {
			panic("detect: literal shorter than three bytes: " + p)
		}
		h := prefixHash(p[0], p[1], p[2])
		a.prefix[h/64] |= 1 << (h % 64)
	}
	if len(nodes) > 1<<16 {
		panic("detect: automaton too large")
	}
	a.next = make([]uint16, len(nodes)*a.nclass)
	for old, nd := range nodes {
		row := int(renum[old]) * a.nclass
		for c := 0; c < a.nclass; c++ {
			a.next[row+c] = uint16(renum[nd.edge[c]])
		}
	}
	return a
}
