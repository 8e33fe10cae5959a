"""`greios mtu`: largest inner packet, MSS and byte-by-byte overhead of a tunnel."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from greios.mtu import Mode, MtuResult


class EncryptionChoice(str, Enum):
    aes_gcm_128 = "aes-gcm-128"
    aes_gcm_256 = "aes-gcm-256"
    aes_cbc_128 = "aes-cbc-128"
    aes_cbc_192 = "aes-cbc-192"
    aes_cbc_256 = "aes-cbc-256"
    tdes = "3des"
    des = "des"
    null = "null"
    none = "none"


class IntegrityChoice(str, Enum):
    sha1 = "sha1"
    sha256 = "sha256"
    sha384 = "sha384"
    sha512 = "sha512"
    md5 = "md5"
    none = "none"


class ModeChoice(str, Enum):
    transport = "transport"
    tunnel = "tunnel"


def register(app: typer.Typer) -> None:
    app.command(
        "mtu",
        help=(
            "Compute the largest inner packet (ip mtu), TCP MSS and the byte-by-byte overhead "
            "of a GRE, GRE-over-IPsec or VTI tunnel. Method: docs/mtu.md."
        ),
    )(mtu_command)


def mtu_command(
    underlay_mtu: Annotated[int, typer.Option(
        "--underlay-mtu", metavar="N", help="IP MTU of the underlay path (1492 on PPPoE).",
    )] = 1500,
    ipv6_underlay: Annotated[bool, typer.Option(
        "--ipv6-underlay", help="Outer header is IPv6 (tunnel mode gre ipv6).",
    )] = False,
    encryption: Annotated[EncryptionChoice, typer.Option(
        "--encryption", help="ESP cipher; 'none' = plain GRE without IPsec.",
    )] = EncryptionChoice.aes_gcm_256,
    integrity: Annotated[IntegrityChoice | None, typer.Option(
        "--integrity", show_default="auto",
        help="ESP HMAC (auto: none for GCM and plain GRE, sha256 otherwise).",
    )] = None,
    mode: Annotated[ModeChoice | None, typer.Option(
        "--mode", show_default="transport; tunnel with --vti",
        help="ESP mode of the transform set.",
    )] = None,
    nat_t: Annotated[bool, typer.Option(
        "--nat-t", help="ESP in UDP 4500 (a NAT on the path).")] = False,
    gre_key: Annotated[bool, typer.Option("--gre-key", help="tunnel key (+4 bytes).")] = False,
    gre_sequence: Annotated[bool, typer.Option(
        "--gre-sequence", help="tunnel sequence-datagrams (+4 bytes).")] = False,
    gre_checksum: Annotated[bool, typer.Option(
        "--gre-checksum", help="tunnel checksum (+4 bytes).")] = False,
    vti: Annotated[bool, typer.Option(
        "--vti", help="Static VTI (tunnel mode ipsec ipv4): no GRE header, ESP tunnel mode.",
    )] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    from greios.mtu import MtuInput, compute

    chosen_mode: Mode = mode.value if mode is not None else ("tunnel" if vti else "transport")
    inp = MtuInput(
        underlay_mtu=underlay_mtu,
        encryption=encryption.value,
        integrity=integrity.value if integrity is not None else None,
        mode=chosen_mode,
        nat_t=nat_t,
        ipv6_underlay=ipv6_underlay,
        gre_key=gre_key,
        gre_sequence=gre_sequence,
        gre_checksum=gre_checksum,
        vti=vti,
    )
    result = compute(inp)
    if as_json:
        typer.echo(json.dumps(to_json(result), indent=2))
    else:
        _print_human(result)


def to_json(result: MtuResult) -> dict[str, object]:
    """The JSON document of ``greios mtu --json`` (integrity resolved from auto)."""
    data = asdict(result)
    data["input"]["integrity"] = result.input.effective_integrity
    data["breakdown"] = [asdict(c) for c in result.breakdown]
    data["warnings"] = list(result.warnings)
    order = ("max_ip_mtu", "max_tcp_mss", "recommended_ip_mtu", "recommended_tcp_mss",
             "max_df_ping_payload", "overhead", "breakdown", "input", "warnings")
    return {key: data[key] for key in order}


def _describe(result: MtuResult) -> str:
    inp = result.input
    if inp.encryption == "none":
        what = "plain GRE"
    else:
        integ = inp.effective_integrity
        suite = inp.encryption + ("" if integ == "none" else f" + {integ}")
        what = f"{'VTI' if inp.vti else 'GRE/IPsec'} {suite}, ESP {inp.effective_mode} mode"
    extras = [name for name, on in (("NAT-T", inp.nat_t), ("GRE key", inp.gre_key),
                                    ("GRE sequence", inp.gre_sequence),
                                    ("GRE checksum", inp.gre_checksum)) if on]
    family = "IPv6" if inp.ipv6_underlay else "IPv4"
    tail = f", {', '.join(extras)}" if extras else ""
    return f"{what}{tail}; {family} underlay MTU {inp.underlay_mtu}"


def _print_human(result: MtuResult) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    console.print(escape(_describe(result)), soft_wrap=True)
    table = Table()
    table.add_column("component")
    table.add_column("bytes", justify="right")
    table.add_column("note")
    for comp in result.breakdown:
        table.add_row(escape(comp.name), str(comp.bytes), escape(comp.note))
    table.add_section()
    table.add_row("total overhead", str(result.overhead), "")
    table.add_row("max inner packet", str(result.max_ip_mtu),
                  f"{result.input.underlay_mtu} - {result.overhead}")
    console.print(table)
    r = result
    lines = [
        f"max ip mtu:     {r.max_ip_mtu}",
        f"max tcp mss:    {r.max_tcp_mss}",
        "",
        "recommended (rounded down to a multiple of 8), paste under the tunnel interface:",
        f" ip mtu {r.recommended_ip_mtu}",
        f" ip tcp adjust-mss {r.recommended_tcp_mss}",
        "",
        "largest packet that crosses with DF set:",
        f"  Linux: ping -M do -s {r.max_df_ping_payload} <ip>   (ICMP payload)",
        f"  IOS:   ping <ip> size {r.max_ip_mtu} df-bit   (whole IP datagram)",
    ]
    for line in lines:
        console.print(escape(line))
    for warning in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
