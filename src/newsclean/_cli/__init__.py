"""The two commands, ``newsclean`` (clean.py) and ``newsclean dedup`` (dedup.py), and what
they share (common.py: input, records, output, the shared flags, exit codes). ``newsclean.cli``
is the entry point that dispatches to them."""
