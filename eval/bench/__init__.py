"""`python -m eval bench` (eval/bench/cli.py): what a Clarion turn costs next to a plain
answer. default.py runs the default benchmark (turns.py: dialogue prompts as plain /
adaptive / full turns; speed.py: engine tokens/s, memory, start-up); --micro runs the
micro-benchmarks (run.py measures one model with measures.py, one function per figure;
figures.py holds the timings, their ratios and their printout).
"""
