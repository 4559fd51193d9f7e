"""Run the CLI with uniform error handling (one line, exit code by error class)."""

from __future__ import annotations

import os
import sys


def _err(msg: str) -> None:
    sys.stderr.write(f"error: {msg}\n")


def run(argv: list[str]) -> int:
    try:  # typer >= 0.20 vendors click as typer._click
        from typer._click import exceptions as _cx
        from typer.exceptions import Abort, Exit
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as _cx
        from click.exceptions import Abort, Exit

    from ..core.errors import MlsysimError
    from .app import build_app

    app = build_app()
    try:
        app(args=argv, prog_name="mlsysim", standalone_mode=False)
        return 0
    except SystemExit as exc:  # raised by our commands with an explicit code
        return int(exc.code or 0)
    except Exit as exc:
        return int(exc.exit_code or 0)
    except Abort:
        _err("interrupted")
        return 130
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except _cx.UsageError as exc:
        msg = exc.format_message().splitlines()[0] if exc.format_message() else "bad usage"
        cmd = f" (see 'mlsysim {exc.ctx.command_path.split(' ', 1)[1] if exc.ctx and ' ' in exc.ctx.command_path else ''} --help')" if exc.ctx else ""
        _err(msg.rstrip(".") + cmd.replace("mlsysim  ", "mlsysim "))
        return 1
    except _cx.ClickException as exc:
        _err(exc.format_message().splitlines()[0])
        return 1
    except MlsysimError as exc:
        _err(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for users; MLSYSIM_DEBUG=1 shows it
        if os.environ.get("MLSYSIM_DEBUG"):
            raise
        _err(f"internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
             "set MLSYSIM_DEBUG=1 for the traceback and please report it")
        return 1
