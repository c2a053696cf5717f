"""Evaluation: scripted dialogues, benchmark suites and reports."""
