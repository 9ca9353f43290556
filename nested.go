package conflog

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// A public line never echoes an error message, and that holds for errors
// inside other values too: a []error, a map or a struct holding an error, a
// fs.PathError held by value (its pointer is the error; its fields hold the
// path). fmt and encoding/json would print their messages and fields, so a
// public value that holds an error anywhere is rendered by scrubNested
// instead: fmt's %+v shape, each error in its scrubbed form.

var errorType = reflect.TypeFor[error]()

// Three types hide what they hold from a walk of their fields, and fmt
// prints it through their methods: a slog.Value keeps a group as a pointer
// to its first attribute and the length apart (Value.String prints them
// all), a slog.Attr holds such a Value, and fmt prints what a reflect.Value
// holds, error messages included. The walk follows them by their API.
var (
	slogValueType    = reflect.TypeFor[slog.Value]()
	slogAttrType     = reflect.TypeFor[slog.Attr]()
	reflectValueType = reflect.TypeFor[reflect.Value]()
)

// maxNested bounds the walk of a value: the depth followed and the number
// of elements looked at. Beyond it the value is taken to hold an error.
const (
	maxNestedDepth = 16
	maxNestedNodes = 10000
)

// mayHold caches, per type, whether a value of it can hold an error: most
// public values (numbers in slices, plain structs) are told apart by one
// lookup, without a walk.
var mayHold sync.Map // reflect.Type → bool

// typeMayHoldError reports whether a value of t can hold an error.
func typeMayHoldError(t reflect.Type) bool {
	if v, ok := mayHold.Load(t); ok {
		return v.(bool)
	}
	v := mayHoldError(t, map[reflect.Type]bool{})
	mayHold.Store(t, v)
	return v
}

func mayHoldError(t reflect.Type, seen map[reflect.Type]bool) bool {
	if isErrorish(t) || t == reflectValueType {
		return true
	}
	if seen[t] {
		return false // a recursive type: its other parts decide
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true // it may hold anything
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return mayHoldError(t.Elem(), seen)
	case reflect.Map:
		return mayHoldError(t.Key(), seen) || mayHoldError(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if mayHoldError(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// isErrorish reports whether a value of t is an error, or would be one if
// taken by pointer (fs.PathError, whose Error method has a pointer receiver).
func isErrorish(t reflect.Type) bool {
	return t.Implements(errorType) || t.Kind() != reflect.Interface && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(errorType)
}

// nestedWalk is one walk of a value, with its budget.
type nestedWalk struct{ nodes int }

// holds reports whether v holds an error, as far as the walk's bounds allow
// it to look; beyond them it says yes.
func (w *nestedWalk) holds(v reflect.Value, depth int) bool {
	if !v.IsValid() || !typeMayHoldError(v.Type()) {
		return false
	}
	if w.nodes++; depth > maxNestedDepth || w.nodes > maxNestedNodes {
		return true
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return false
		}
		if isErrorish(v.Type()) {
			return true
		}
		return w.holds(v.Elem(), depth+1)
	}
	if isErrorish(v.Type()) {
		return true
	}
	if x, ok := opaque(v); ok {
		return w.holdsOpaque(x, depth)
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if w.holds(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if w.holds(it.Key(), depth+1) || w.holds(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if w.holds(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// scrubNested returns x rendered for a public line if it holds an error
// (x itself is not one), in fmt's %+v shape with every error scrubbed, and
// whether it did.
func scrubNested(x any) (string, bool) {
	v := reflect.ValueOf(x)
	if !v.IsValid() || !typeMayHoldError(v.Type()) {
		return "", false
	}
	var w nestedWalk
	if !w.holds(v, 0) {
		return "", false
	}
	var b strings.Builder
	w.nodes = 0
	w.write(&b, v, 0)
	if fmtPanicked(b.String()) {
		// A part without errors, printed by fmt, has a String or Format
		// method that panicked: fmt printed the panic value.
		return scrubbedPanic(v.Type().String()), true
	}
	return b.String(), true
}

// write renders v as fmt's %+v would, with each error scrubbed.
func (w *nestedWalk) write(b *strings.Builder, v reflect.Value, depth int) {
	if w.nodes++; depth > maxNestedDepth || w.nodes > maxNestedNodes {
		b.WriteString("…")
		return
	}
	for v.IsValid() && v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem() // the dynamic value names its own type
	}
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	t := v.Type()
	if (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) && v.IsNil() {
		b.WriteString("<nil>")
		return
	}
	if isErrorish(t) {
		w.writeError(b, v)
		return
	}
	if x, ok := opaque(v); ok {
		w.writeOpaque(b, x, depth)
		return
	}
	if !typeMayHoldError(t) {
		// No error can be in there: fmt's own rendering.
		if v.CanInterface() {
			fmt.Fprintf(b, "%+v", v.Interface())
		} else {
			fmt.Fprintf(b, "%+v", v) // fmt prints what an unexported field holds
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		b.WriteByte('&')
		w.write(b, v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(' ')
			}
			w.write(b, v.Index(i), depth+1)
		}
		b.WriteByte(']')
	case reflect.Map:
		// Sorted by their rendering, so a line does not change from run
		// to run.
		var kvs [][2]string
		for it := v.MapRange(); it.Next(); {
			var k, e strings.Builder
			w.write(&k, it.Key(), depth+1)
			w.write(&e, it.Value(), depth+1)
			kvs = append(kvs, [2]string{k.String(), e.String()})
		}
		slices.SortFunc(kvs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		b.WriteString("map[")
		for i, kv := range kvs {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(kv[0] + ":" + kv[1])
		}
		b.WriteByte(']')
	case reflect.Struct:
		b.WriteByte('{')
		for i := range v.NumField() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(t.Field(i).Name + ":")
			w.write(b, v.Field(i), depth+1)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%+v", v)
	}
}

// writeError writes an error, or a value whose pointer is one, scrubbed. An
// error in an unexported field cannot be asked for its chain: its type
// stands alone.
func (w *nestedWalk) writeError(b *strings.Builder, v reflect.Value) {
	t := v.Type()
	if !v.CanInterface() {
		b.WriteString(t.String() + ": " + scrubbed)
		return
	}
	if t.Implements(errorType) {
		b.WriteString(scrubError(v.Interface().(error)))
		return
	}
	// A value whose pointer is the error: scrub a pointer to a copy, and
	// name the value's own type.
	p := reflect.New(t)
	p.Elem().Set(v)
	b.WriteString(strings.TrimPrefix(scrubError(p.Interface().(error)), "*"))
}

// opaque returns v's value if it is a slog.Value, a slog.Attr or a
// reflect.Value that fmt would print through its methods: one the walk must
// follow by their API, not by its fields.
func opaque(v reflect.Value) (any, bool) {
	switch v.Type() {
	case slogValueType, slogAttrType, reflectValueType:
		// In an unexported field fmt cannot call their methods either,
		// and prints their fields: the plain walk sees what it sees.
		if v.CanInterface() {
			return v.Interface(), true
		}
	}
	return nil, false
}

func (w *nestedWalk) holdsOpaque(x any, depth int) bool {
	switch x := x.(type) {
	case reflect.Value:
		return w.holds(x, depth+1)
	case slog.Attr:
		return w.holdsOpaque(x.Value, depth+1)
	case slog.Value:
		switch x.Kind() {
		case slog.KindGroup:
			for _, a := range x.Group() {
				if w.holdsOpaque(a.Value, depth+1) {
					return true
				}
			}
		case slog.KindAny, slog.KindLogValuer:
			return w.holds(reflect.ValueOf(x.Any()), depth+1)
		}
	}
	return false
}

// writeOpaque writes what holdsOpaque looked at, as fmt prints it: a
// reflect.Value as the value it holds, an Attr as key=value, a Value as
// Value.String does (a group as [k=v k=v]).
func (w *nestedWalk) writeOpaque(b *strings.Builder, x any, depth int) {
	switch x := x.(type) {
	case reflect.Value:
		if !x.IsValid() {
			b.WriteString("<invalid reflect.Value>")
			return
		}
		w.write(b, x, depth+1)
	case slog.Attr:
		b.WriteString(x.Key + "=")
		w.writeOpaque(b, x.Value, depth+1)
	case slog.Value:
		switch x.Kind() {
		case slog.KindGroup:
			b.WriteByte('[')
			for i, a := range x.Group() {
				if i > 0 {
					b.WriteByte(' ')
				}
				w.writeOpaque(b, a, depth+1)
			}
			b.WriteByte(']')
		case slog.KindAny, slog.KindLogValuer:
			w.write(b, reflect.ValueOf(x.Any()), depth+1)
		default:
			b.WriteString(x.String())
		}
	}
}
