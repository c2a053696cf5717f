"""Training the learned judges (agent/judges.py): labelled rows, features, fit, card.

`python -m eval train-judges` runs it all: eval.judges.data builds each judge's labelled
rows from the fixed splits (eval/splits.py) and prompts/normativity.yaml, features are
computed once and cached (eval.judges.features), eval.judges.train fits the probes on
train rows, picks the feature set on dev, and scores test rows for the card;
eval.judges.candidates holds each judge's candidate feature sets and the choices made on
dev (set, exemplar weight, threshold, fallback judge), eval.judges.ablation the
hidden-state ablation, eval.judges.run is the pipeline end to end, eval.judges.se_probe
its opt-in semantic-entropy probe (`--se-probe`), eval.judges.card the card.
"""
