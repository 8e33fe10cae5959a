"""VyOS support building blocks: a configuration model and a simulated VyOS router.

Pure model (no I/O):

* :mod:`greios.platforms.vyos.tree` — :class:`ConfigTree`, VyOS's node ordering;
* :mod:`greios.platforms.vyos.parse` — ``show configuration commands`` set-lines and curly
  ``config.boot`` of VyOS 1.2 / 1.3 / 1.4 / 1.5 into one tree;
* :mod:`greios.platforms.vyos.render` — set-commands, curly (vyatta-cfg and libvyosconfig styles),
  ``config.boot`` with the version footer;
* :mod:`greios.platforms.vyos.diff` — ordered ``delete``/``set`` commands and ``compare`` output;
* :mod:`~.schema` / :mod:`~.values` — per-version node schema and
  VyOS's ``set`` error texts.

Simulated router (127.0.0.1 only): :mod:`greios.platforms.vyos.labdevice`,
:mod:`~.labcli`, :mod:`~.labshows`, :mod:`~.labserver`.

Sources (read, never copied; vyos-1x is GPL): ../shared/docs/vyos-reference.md;
github.com/vyos/vyos-1x (crux … current: ``interface-definitions``,
``python/vyos/config_mgmt.py``, ``python/vyos/component_version.py``,
``src/op_mode/interfaces.py``, ``smoketest/configs`` and ``smoketest/config-tests``);
vyos/vyatta-cfg (``functions/interpreter/vyatta-cfg-run``, ``src/cstore/cstore.cpp``,
``src/cnode/cnode-algorithm.cpp``); vyos/vyos1x-config (``config_tree.ml``,
``vytree.ml``, ``util.ml``, ``lexical_numeric_compare.c``); vyos/vyatta-cfg-system and
vyos/vyatta-cfg-vpn (crux/equuleus ``node.def`` templates); vyos/vyos-documentation
(``docs/cli.rst``); netmiko 4.8 ``netmiko/vyos/vyos_ssh.py``. See docs/vyos.md.
"""
