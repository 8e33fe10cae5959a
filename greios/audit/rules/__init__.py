"""Rule check functions, one module per catalog group (see :mod:`greios.audit.catalog`)."""
