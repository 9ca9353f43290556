package conflog

import (
	"flag"
	"log/slog"
	"slices"
)

// LogFlags logs the flags of fs in two records: the flags named in public,
// as a public record "flags", and all the others, as a private record
// "flags". Every flag is logged with its current value, set or default. A
// name in public that fs does not define (a typo, a flag since removed)
// gets a public warning naming it: the names are the caller's code, and the
// flag the caller meant to show would otherwise be missing without a word.
func LogFlags(logger *slog.Logger, fs *flag.FlagSet, public ...string) {
	pub := []any{Public}
	var priv []any
	fs.VisitAll(func(f *flag.Flag) {
		a := slog.String(f.Name, f.Value.String())
		if slices.Contains(public, f.Name) {
			pub = append(pub, a)
		} else {
			priv = append(priv, a)
		}
	})
	if len(pub) > 1 {
		logger.Info("flags", pub...)
	}
	if len(priv) > 0 {
		logger.Info("flags", priv...)
	}
	for _, name := range public {
		if fs.Lookup(name) == nil {
			logger.Warn("LogFlags: no such flag", Public, "name", name)
		}
	}
}
