"""IOS fidelity checks of the inventory (docs/ios-fidelity.md rows 6 and 8b)."""

from __future__ import annotations

from pathlib import Path

from greios.inventory.checked import load_checked
from greios.platforms.ios.fidelity_checks import check_inventory


def test_clean_example_has_no_problem(sites: Path) -> None:
    assert check_inventory(load_checked(sites)) == []


def test_unknown_interface_name_refused_short_forms_accepted(sites: Path, edit) -> None:
    def tokyo(d: dict) -> None:
        d["routers"][0]["underlay"]["interface"] = "gi0/0/0"  # IOS expands it: fine
        d["routers"][0]["lan"][0]["interface"] = "frob0/1"

    edit("tokyo.yaml", tokyo)
    (problem,) = check_inventory(load_checked(sites))
    assert "tokyo.yaml:" in problem and "lan[0].interface" in problem
    assert "'frob0/1' is not an IOS interface name" in problem


def test_ikev1_periodic_dpd_refused(sites: Path, edit) -> None:
    def project(d: dict) -> None:
        d["crypto_policies"]["legacy-v1"]["dpd"] = {"interval": 10, "retries": 3,
                                                    "mode": "periodic"}
        d["crypto_policies"]["nge"]["dpd"]["mode"] = "periodic"  # IKEv2: per profile, fine

    edit("greios.yaml", project)
    (problem,) = check_inventory(load_checked(sites))
    assert "crypto_policies.legacy-v1.dpd.mode" in problem
    assert "crypto isakmp keepalive" in problem
