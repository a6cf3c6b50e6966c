"""The build stage: the compile request, the pipeline, rendering, incremental compiles and the writer."""
