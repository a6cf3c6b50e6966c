"""Drafts of a spec written for the user: ``adopt`` (from a Grafana dashboard and rule files),
``init`` (from an exporter's metrics) and ``convert`` (from another tool's SLO files) all end in
``yaml_writer.dump_spec``, the one writer of our spec YAML."""
