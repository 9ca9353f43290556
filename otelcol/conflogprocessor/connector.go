package conflogprocessor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
)

// ConnectorConfig is the conflog connector's configuration: the processor's,
// and the logs pipelines each kind of line goes to.
//
//	connectors:
//	  conflog:
//	    prefix: "SystemLog:"
//	    public: [logs/public]
//	    private: [logs/private]
type ConnectorConfig struct {
	Config `mapstructure:",squash"`

	// Public are the pipelines the public lines go to, as the processor
	// would pass them.
	Public []pipeline.ID `mapstructure:"public"`

	// Private are the pipelines everything else goes to: each line that
	// is not public (as conflog scrub's private sink gets it: raw, colours
	// and all), a line the tripwire blocked as it was, a record whose body
	// is not a string whole. Each is a copy of its record, body set to the
	// line. These pipelines must be private themselves (the sealed store,
	// an access-controlled index): nothing here was judged public.
	Private []pipeline.ID `mapstructure:"private"`
}

// Validate checks the processor's settings and the routes: both named,
// logs pipelines, no pipeline on both.
func (c *ConnectorConfig) Validate() error {
	errs := []error{c.Config.Validate()}
	if len(c.Public) == 0 {
		errs = append(errs, errors.New("public: name the logs pipelines the public lines go to, e.g. public: [logs/public]"))
	}
	if len(c.Private) == 0 {
		errs = append(errs, errors.New("private: name the logs pipelines the other lines go to, e.g. private: [logs/private] (to drop them, use the conflog processor instead)"))
	}
	for _, route := range []struct {
		name string
		ids  []pipeline.ID
	}{{"public", c.Public}, {"private", c.Private}} {
		for i, id := range route.ids {
			if id.Signal() != pipeline.SignalLogs {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not a logs pipeline", route.name, i, id))
			}
		}
	}
	for _, id := range c.Public {
		if slices.Contains(c.Private, id) {
			errs = append(errs, fmt.Errorf("public and private both name %q: private lines would reach it", id))
		}
	}
	return errors.Join(errs...)
}

// NewConnectorFactory returns the factory of the conflog connector (package
// conflogconnector gives it to a distribution as NewFactory): the
// processor's gate, sending the public lines to one set of pipelines and
// the rest to another.
func NewConnectorFactory() connector.Factory {
	return connector.NewFactory(
		component.MustNewType(typeStr),
		func() component.Config { return &ConnectorConfig{Config: *createDefaultConfig()} },
		connector.WithLogsToLogs(createConnector, stability),
	)
}

func createConnector(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Logs, error) {
	c := cfg.(*ConnectorConfig)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	router, ok := next.(connector.LogsRouterAndConsumer)
	if !ok {
		return nil, errors.New("conflog connector: its pipelines cannot be told apart (not a logs router)")
	}
	public, err := router.Consumer(c.Public...)
	if err != nil {
		return nil, fmt.Errorf("public: %w", err)
	}
	private, err := router.Consumer(c.Private...)
	if err != nil {
		return nil, fmt.Errorf("private: %w", err)
	}
	g, err := newProcessor(&c.Config, set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	g.route = true
	return &routeConnector{g: g, public: public, private: private}, nil
}

// routeConnector is the gate between a receiving pipeline and the public
// and private ones.
type routeConnector struct {
	component.StartFunc
	component.ShutdownFunc
	g       *gate
	public  consumer.Logs
	private consumer.Logs
}

func (*routeConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// ConsumeLogs judges ld and sends each part on: the public lines (ld
// itself, what is left of it) to the public pipelines, the rest to the
// private ones. An empty part is not sent.
func (c *routeConnector) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	priv := c.g.judge(ctx, ld)
	var errs []error
	if priv.ResourceLogs().Len() > 0 {
		errs = append(errs, c.private.ConsumeLogs(ctx, priv))
	}
	if ld.ResourceLogs().Len() > 0 {
		errs = append(errs, c.public.ConsumeLogs(ctx, ld))
	}
	return errors.Join(errs...)
}
