"""`python -m eval.bench` (the same as `python -m eval bench`)."""

import sys

from eval.bench.cli import main

sys.exit(main())
