"""`roundtable verify FILE.md|FILE.html`: check every citation of a saved report against the database."""

from __future__ import annotations

import json
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command


def register(sub: Any) -> None:
    """Add the verify command."""
    p = add_command(
        sub,
        "verify",
        cmd_verify,
        "check that every quote in a saved report (markdown or HTML) still matches its source",
    )
    p.add_argument("path", metavar="FILE.md|FILE.html", help="a report written by `roundtable export`")
    p.add_argument("--json", action="store_true", help="one JSON line per citation on standard output")


def cmd_verify(ctx: Context) -> int:
    from desktop.operations.reports import verify_saved_report
    from knowledge.verify import VerifyError

    db = ctx.open_db(create=False)  # an empty new database would call every source gone
    try:
        report = verify_saved_report(db, ctx.args.path).value
    except VerifyError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    finally:
        db.conn.close()
    if ctx.args.json:
        for finding in report.findings:
            print(json.dumps(finding.as_dict(), ensure_ascii=False), file=ctx.out)
    for finding in report.problems:
        ctx.warn(finding.line(ctx.args.path))
    print(report.summary(), file=ctx.err)
    return EXIT_OK if report.ok else EXIT_PARTIAL
