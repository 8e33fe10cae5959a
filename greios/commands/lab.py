"""`greios lab up|status|down|reset`: simulated IOS routers for every inventory router."""

from __future__ import annotations

from pathlib import Path

import typer

_SITES = typer.Option(Path("sites"), "--sites", help="Sites directory (inventory).")
_STATE = typer.Option(None, "--state",
                      help="Lab state directory [default: .greios/lab next to the sites dir].")


def up(sites: Path = _SITES, state: Path | None = _STATE,
       base_port: int = typer.Option(0, "--base-port",
                                     help="First port (0 = free ports)."),
       prepare: bool = typer.Option(
           True, "--prepare/--no-prepare",
           help="Add `ip scp server enable` and an `archive` block when missing "
                "(napalm needs them)."),
       ) -> None:
    """Start one simulated router per inventory router (resumes from the state dir)."""
    from greios.app import lab as app_lab

    state_dir, conns = app_lab.up(sites, state, base_port=base_port, prepare=prepare)
    for name, c in conns.items():
        typer.echo(f"{name:<24} {c.host}:{c.port}")
    typer.echo(f"lab up: {len(conns)} routers (state {state_dir}); "
               f"user {next(iter(conns.values())).username}, password in lab.json")

def status(sites: Path = _SITES, state: Path | None = _STATE) -> None:
    """Show the lab process and each router's port."""
    from greios.app import lab as app_lab

    st = app_lab.status(sites, state)
    typer.echo(f"lab process: {'running, pid ' + str(st.pid) if st.alive else 'not running'}")
    for r in st.routers:
        typer.echo(f"{r.name:<24} 127.0.0.1:{r.port:<6} {'up' if r.listening else 'down'}")
    if not st.alive:
        raise typer.Exit(1)

def down(sites: Path = _SITES, state: Path | None = _STATE) -> None:
    """Stop the lab process (its state stays for the next `lab up`)."""
    from greios.app import lab as app_lab

    stopped = app_lab.down(sites, state)
    typer.echo("lab stopped" if stopped else "lab was not running")

def reset(router: list[str] = typer.Argument(
              None, help="Router(s) to reset [default: every router of the lab]."),
          sites: Path = _SITES, state: Path | None = _STATE,
          prepare: bool = typer.Option(
              True, "--prepare/--no-prepare",
              help="Add `ip scp server enable` and an `archive` block when missing."),
          ) -> None:
    """Reload routers from their inventory snapshots (running, startup and flash).

    A running lab reloads them in place (same ports); a stopped one starts from them
    at the next `lab up`. Use it after adding or editing a `snapshot:` file.
    """
    from greios.app import lab as app_lab

    done = app_lab.reset(sites, state, list(router or []), prepare=prepare)
    typer.echo(f"lab reset: {', '.join(done)} reloaded from the snapshots")


def register(app: typer.Typer) -> None:
    lab = typer.Typer(help="Simulated IOS routers on 127.0.0.1 that napalm deploys to.",
                      no_args_is_help=True)
    for name, command in (("up", up), ("status", status), ("down", down), ("reset", reset)):
        lab.command(name)(command)
    app.add_typer(lab, name="lab")
