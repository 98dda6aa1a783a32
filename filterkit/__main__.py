"""``python -m filterkit``: the same command as ``filterkit``."""
import sys

from filterkit.cli import main

sys.exit(main())
