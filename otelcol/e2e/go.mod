module github.com/conflog/conflog/otelcol/e2e

go 1.26.0
