"""What an operator sees without reading the database: Prometheus metrics and structured logs."""
