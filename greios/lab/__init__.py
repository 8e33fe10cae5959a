"""Simulated Cisco IOS router over SSH for napalm (see docs/lab.md)."""
