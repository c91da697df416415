"""The tracing layer: dtypes, shapes, tensors, graphs and op declarations."""
