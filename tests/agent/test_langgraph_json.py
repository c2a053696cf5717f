"""langgraph.json points `langgraph dev` at a graph factory that builds without loading
any model (resources load on the first turn)."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_langgraph_json_names_a_factory_that_builds_the_graph():
    spec = json.loads((ROOT / "langgraph.json").read_text())
    path, attr = spec["graphs"]["clarion"].split(":")
    assert (ROOT / path).is_file()
    module_spec = importlib.util.spec_from_file_location("clarion_graph", ROOT / path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    graph = getattr(module, attr)({"configurable": {}})
    nodes = set(graph.get_graph().nodes)
    assert {
        "interpret",
        "sample",
        "estimate",
        "route",
        "answer",
        "hedge",
        "perspectives",
        "clarify",
        "await_reply",
    } <= nodes
    assert "await_reply" in graph.get_graph().draw_mermaid()
