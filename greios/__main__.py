"""``python -m greios``: the same as the ``greios`` console script (:mod:`greios.entry`)."""

from greios.entry import run

run()
