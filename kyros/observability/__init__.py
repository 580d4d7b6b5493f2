"""What operators watch: structured logs, the health report and Prometheus metrics."""
