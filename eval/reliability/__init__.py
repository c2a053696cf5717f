"""`python -m eval reliability`: Clarion served to many people, under load, faults, bad
input and attacks, measured on the real app running as a subprocess on loopback.

Modules: world (the scripted model the harness can serve), server (start/kill/restart
the app), client (a person talking to it over the API), load, faults, fuzz and fuzz_front
(inputs: what they draw), attacks, run (the command line and the summary).
"""
