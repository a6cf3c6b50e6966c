"""The HTTP clients of Grafana and its alerting API, and what push, history and rollback do with them."""
