"""The graph's nodes: `def node(state: State, runtime: Runtime[Context]) -> State` (a
partial update), as LangGraph calls them; routers return a `Literal` of node names."""
