"""The ``archiver`` command line: one group, one module of commands per stage.

Commands are loaded lazily: :data:`COMMANDS` says which module defines each one, and a
module is imported only when one of its commands runs (``archiver --version`` or
``archiver ingest`` never import fpdf, the catalogue or custody).

Errors are mapped to exit codes here and only here: every
:class:`~archiver.errors.ArchiverError` a command raises is printed as ``error: …`` with
what to do next, and the process exits with the error's exit code (see
:mod:`archiver.errors`); a disk that refuses a write (ENOSPC, EDQUOT, EIO, EROFS) is
one line and exit 9 (:meth:`ArchiverGroup.invoke`). A command-line value that cannot be
parsed is click's usage error, exit 2 (:func:`parsed_by` for a value parsed by archiver's
own code). Anything else is a bug: traceback and exit 1.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..errors import EXIT_CODES, ArchiverError, is_storage_error, storage_error

if TYPE_CHECKING:
    from ..store import Archive

# Each command and the modules (in archiver.cli) that define it; `customer` has
# subcommands in two stages.
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("filing",), "check-config": ("filing",), "customer": ("filing", "custody"),
    "ingest": ("filing",), "watch": ("filing",), "log": ("filing",),
    "coversheet": ("batch",),
    "build": ("volumes",),
    "ocr": ("ocr",),
    "site": ("catalogue",), "search": ("search",),
    "audit": ("custody",), "stats": ("custody",), "due": ("custody",), "consult": ("custody",),
    "loan": ("custody",), "disposal": ("custody",),
    "papers": ("papers",),
}  # fmt: skip


class AppContext:
    """What every command gets: the archive root (found lazily) and output options."""

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._archive: Archive | None = None

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            from ..store import Archive, find_root

            self._archive = Archive.open(find_root(self._root))
        return self._archive


class ArchiverGroup(click.Group):
    """The top group: commands loaded on first use; errors turned into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module in COMMANDS.get(cmd_name, ()):
            importlib.import_module(f"{__name__}.{module}")  # registers its commands on `main`
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ArchiverError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            if not is_storage_error(exc):
                raise
            error = storage_error(exc)
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)


EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


def parsed_by(parse: Callable[[Any], Any]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback giving the command ``parse(value)``; an ArchiverError there means
    the command line's words are wrong, and is reported as click reports any bad option
    value (``Error: Invalid value for '--set': …``, exit 2)."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            return parse(value)
        except ArchiverError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return callback


@click.group(cls=ArchiverGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive root. Default: $ARCHIVER_ROOT, else the nearest folder above holding archive.toml.",
)
@click.option("-v", "--verbose", is_flag=True, help="Say more about what is done.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(__version__, prog_name="archiver")
@click.pass_context
def main(ctx: click.Context, root: Path | None, verbose: bool, quiet: bool) -> None:
    """archiver — keeps a customer archive under the policy 客户档案管理制度.

    Scans dropped into the inbox are filed per customer and year (ingest, watch),
    assembled into bound-ready volumes (build), shown in a static catalogue (site) and
    kept under custody (audit, stats, loans, disposal).
    """
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    # Libraries (fontTools' subsetter, …) speak only of warnings; archiver's own loggers
    # ("archiver.*") at the level asked for.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr, force=True)
    logging.getLogger("archiver").setLevel(level)
    ctx.obj = AppContext(root)


def by_option(f: Any) -> Any:
    return click.option("--by", default="", help="Who does this (recorded, Art. 9). Default: the login name.")(f)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON, for scripts.")(f)


class ProgressBar:
    """A progress bar on standard error for a long run (``build``, ``ocr``), shown only on a
    terminal and only when the run has more than one step: ``planned(n)`` once the number
    of steps is known, ``step()`` after each, ``close()`` at the end (also after a failure)."""

    def __init__(self, label: str, *, show: bool) -> None:
        self.label, self.show = label, show and sys.stderr.isatty()
        self.bar: Any = None

    def planned(self, n: int) -> None:
        if self.show and n > 1:
            self.bar = click.progressbar(length=n, label=self.label, file=sys.stderr)
            self.bar.__enter__()

    def step(self, *_done: Any) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


__all__ = ["main", "AppContext", "by_option", "json_option", "echo_json", "parsed_by", "COMMANDS"]
