package conflog_test

import (
	"log/slog"
	"os"

	"github.com/conflog/conflog"
)

// noTime removes the time so that the examples' output is stable.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

func ExampleNew() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	logger.Info("epoch finished", conflog.Public, "epoch", 3, "loss", 0.251)
	logger.Info("loaded row", "text", "Jane Doe, 12 Main St")
	// Output:
	// SystemLog:level=INFO msg="epoch finished" epoch=3 loss=0.251
	// level=INFO msg="loaded row" text="Jane Doe, 12 Main St"
}

func ExampleNewHandler() {
	h := conflog.NewHandler(os.Stdout, "SystemLog:", &conflog.Options{Format: conflog.JSON, ReplaceAttr: noTime})
	logger := slog.New(h).With("run", "r-42")
	logger.Info("checkpoint saved", conflog.Public, "step", 1000)
	logger.Warn("bad row", "row", 17, "text", "\nSystemLog: forged")
	// Output:
	// SystemLog:{"level":"INFO","msg":"checkpoint saved","run":"r-42","step":1000}
	// {"level":"WARN","msg":"bad row","run":"r-42","row":17,"text":"\nSystemLog: forged"}
}

func ExamplePublic() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	logger.Info("public", conflog.Public)
	// A logger is never public: With(Public) is ignored.
	logger.With(conflog.Public).Info("still private") //conflog:ignore CL004 the example shows the mistake
	// Inside a group, the marker does not count.
	logger.Info("private too", slog.Group("g", conflog.Public, "a", 1)) //conflog:ignore CL004 the example shows the mistake
	// Output:
	// SystemLog:level=INFO msg=public
	// level=INFO msg="still private"
	// level=INFO msg="private too" g.a=1
}

func ExampleCategory() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{ReplaceAttr: noTime})
	public := conflog.OnlyPublicData
	logger.Info("computed category", conflog.Category(public))
	// An explicit private marker wins over Public.
	logger.Info("explicitly private", conflog.Public, conflog.Category(conflog.ContainsPrivateData))
	// Output:
	// SystemLog:level=INFO msg="computed category"
	// level=INFO msg="explicitly private"
}

func ExampleKeep() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{Private: conflog.Keep, ReplaceAttr: noTime})
	logger.Info("row", "email", "jane@example.com")
	// Output:
	// level=INFO msg=row email=jane@example.com
}

func ExampleDrop() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{Private: conflog.Drop, ReplaceAttr: noTime})
	logger.Info("row", "email", "jane@example.com")
	logger.Info("done", conflog.Public)
	// Output:
	// SystemLog:level=INFO msg=done
}

func ExampleLength() {
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{Private: conflog.Length, ReplaceAttr: noTime})
	logger.Info("row jane@example.com", "email", "jane@example.com")
	// Output:
	// SystemLog:level=INFO msg="private message scrubbed" length=20 source=example_handler_test.go:78
}

func ExampleHash() {
	opts := &conflog.Options{Private: conflog.Hash, Key: []byte("per-project key"), ReplaceAttr: noTime}
	logger := conflog.New(os.Stdout, "SystemLog:", opts)
	logger.Info("row jane@example.com")
	logger.Info("row jane@example.com")
	// Output:
	// SystemLog:level=INFO msg="private message scrubbed" hash=4f8898566814bded19569a992c255c74 source=example_handler_test.go:86
	// SystemLog:level=INFO msg="private message scrubbed" hash=4f8898566814bded19569a992c255c74 source=example_handler_test.go:87
}

func ExampleRoute() {
	// Private records go to another handler: here a JSON handler on the same
	// stream; in a job, the sealed store.
	inside := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})
	logger := conflog.New(os.Stdout, "SystemLog:", &conflog.Options{Private: conflog.Route(inside), ReplaceAttr: noTime})
	logger.Info("row", "email", "jane@example.com")
	logger.Info("epoch", conflog.Public, "n", 1)
	// Output:
	// {"level":"INFO","msg":"row","email":"jane@example.com"}
	// SystemLog:level=INFO msg=epoch n=1
}
