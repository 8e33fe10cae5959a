"""``python -m greios``."""

import sys

from greios.cli import main

sys.exit(main())
