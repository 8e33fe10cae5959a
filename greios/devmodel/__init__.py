"""The shared device model: what greios reads from any platform's running config.

Every platform parser (``greios.platforms.<name>``) produces :class:`~.model.DeviceConfig`;
the audit, the lab's tunnel negotiation and the plan read only this model.
"""
