package conflog

import "log/slog"

// A DataCategory says whether a log call may leave the compliant boundary.
// Its zero value, ContainsPrivateData, is what every call is unless it says
// otherwise.
type DataCategory uint8

const (
	// ContainsPrivateData marks a record that may hold customer data. It is
	// the default: a call without a marker is private.
	ContainsPrivateData DataCategory = iota
	// OnlyPublicData marks a record whose message and attributes hold no
	// customer data, so its line may be exported with the prefix.
	OnlyPublicData
)

// String returns "private" or "public".
func (c DataCategory) String() string {
	if c == OnlyPublicData {
		return "public"
	}
	return "private"
}

// markerKey is the key of the attribute made by Category. A foreign handler
// prints it as conflog.category=public, which says where it came from.
const markerKey = "conflog.category"

// Public marks one logging call as public:
//
//	logger.Info("epoch finished", conflog.Public, "epoch", 3)
//
// It is the attribute Category(OnlyPublicData). It counts only among a
// record's own attributes, never inside a group and never through
// Logger.With, and the conflog handler never prints it.
var Public = Category(OnlyPublicData)

// Category returns the marker attribute for c. Category(ContainsPrivateData)
// makes a call explicitly private: a record carrying it is private even if it
// also carries Public.
func Category(c DataCategory) slog.Attr {
	return slog.Attr{Key: markerKey, Value: slog.AnyValue(c)}
}

// marker reports whether a is a category marker and which category it holds.
// Both the key and the value's type must match, so an attribute that merely
// happens to be called conflog.category is ordinary data.
func marker(a slog.Attr) (DataCategory, bool) {
	if a.Key != markerKey || a.Value.Kind() != slog.KindAny {
		return 0, false
	}
	c, ok := a.Value.Any().(DataCategory)
	return c, ok
}

// category returns the category of a record: public only if at least one of
// its own attributes is Public and none is Category(ContainsPrivateData).
// It also reports whether any marker was seen, so callers that pass the
// record on (Route) know whether they must strip it.
func category(r *slog.Record) (c DataCategory, sawMarker bool) {
	if r.NumAttrs() == 0 {
		return ContainsPrivateData, false
	}
	public, private := false, false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != markerKey {
			return true // inlined here: this loop runs for every record, dropped ones too
		}
		if m, ok := marker(a); ok {
			sawMarker = true
			if m == OnlyPublicData {
				public = true
			} else {
				private = true
			}
		}
		return true
	})
	if public && !private {
		return OnlyPublicData, sawMarker
	}
	return ContainsPrivateData, sawMarker
}
