"""The graph's nodes: plain functions of (state, runtime) returning a state update."""
