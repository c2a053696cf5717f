"""`python -m eval bench` (eval/bench/cli.py): what a Clarion turn costs next to a plain
answer. measures.py times one operation per figure, run.py measures one model, figures.py
holds the timings, their ratios and their printout."""
