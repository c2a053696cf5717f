"""Pure uncertainty estimators: labelled samples in, an uncertainty vector out.

Importing this package loads no torch, transformers, LangGraph or Gradio: the embedding
and NLI models load inside their constructors.
"""

from uncertainty.clustering import Clustering, cluster_answers
from uncertainty.embeddings import Embedder, EmbedderError, TextEmbedder
from uncertainty.estimate import estimate
from uncertainty.judges import EmbeddingJudge, EquivalenceJudge, LLMJudge, NLIJudge
from uncertainty.report import COMPONENT_NAMES, Cluster, Component, ComponentName, UncertaintyReport
from uncertainty.samples import LabeledAnswer

__all__ = [
    "COMPONENT_NAMES",
    "Cluster",
    "Clustering",
    "Component",
    "ComponentName",
    "Embedder",
    "EmbedderError",
    "EmbeddingJudge",
    "EquivalenceJudge",
    "LLMJudge",
    "LabeledAnswer",
    "NLIJudge",
    "TextEmbedder",
    "UncertaintyReport",
    "cluster_answers",
    "estimate",
]
