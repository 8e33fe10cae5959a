"""greios: provision and audit GRE-over-IPsec overlays on Cisco IOS / IOS-XE routers."""

__version__ = "0.1.0"
__all__ = ["__version__"]
