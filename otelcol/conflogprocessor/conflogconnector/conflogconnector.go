// Package conflogconnector is the conflog connector, for a distribution's
// connectors list (the OpenTelemetry Collector Builder calls each listed
// package's NewFactory): conflog's gate between a receiving logs pipeline
// and two sets of pipelines, one for the public lines, one for the rest.
// See conflogprocessor.ConnectorConfig.
package conflogconnector

import (
	"go.opentelemetry.io/collector/connector"

	"github.com/conflog/conflog/otelcol/conflogprocessor"
)

// NewFactory returns the conflog connector's factory.
func NewFactory() connector.Factory { return conflogprocessor.NewConnectorFactory() }
