"""Command line: a thin layer over :mod:`validator.api`. Parsing, printing and exit codes only.

Importing this module does not import Great Expectations, pandas or pyarrow: ``--help``,
``checks`` and ``explain`` stay fast.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from validator import __version__, catalog
from validator.errors import EXIT_INTERNAL, EXIT_USAGE, ValidatorError

if TYPE_CHECKING:
    from validator.results import Report

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0  gate passed (warnings allowed)
  1  gate failed: a critical check FAILed or a check ERRORed
     (with --fail-on warning, any WARN fails too)
  2  usage, configuration or input error (bad option, profile, file)
  3  internal error (a bug: please report it; --debug shows the traceback)
"""


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


def guarded(fn: F) -> F:
    """Map library errors to exit codes; never show a traceback unless --debug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except ValidatorError as exc:
            _echo_err(f"error: {exc}")
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            _echo_err("interrupted: no report was written")
            sys.exit(130)
        except Exception as exc:  # a bug: say so, without data
            if debug:
                traceback.print_exc()
            _echo_err(f"internal error ({type(exc).__name__}): this is a bug in real-validator;"
                      " rerun with --debug for a traceback and report it")
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="real-validator")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """Data-quality gate for race, ethnicity, language and other demographic data.

    Checks completeness, standard code sets and pediatric rules before any equity
    stratification runs, and writes deficiency reports that hold counts, never rows.
    """


def _summary(report: Report, paths: Sequence[Path], quiet: bool) -> None:
    from validator.judge import format_percent
    from validator.results import Status

    overall = [r for r in report.results if r.stratum is None]
    counts = {s: sum(r.status is s for r in overall) for s in Status}
    verdict = "PASSED" if report.gate.passed else "FAILED"
    tally = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    rows = report.dataset["rows"]
    _echo_err(f"real-validator: gate {verdict} (exit {report.exit_code}): "
              f"{'suppressed' if rows is None else f'{rows:,}'} rows, "
              f"{len(overall)} checks: {tally}")
    if not quiet:
        shown = (Status.ERROR, Status.FAIL, Status.WARN)
        for r in sorted((r for r in overall if r.status in shown),
                        key=lambda r: (r.status.rank, r.severity.rank)):
            where = f"[{r.field}]" if r.field else ""
            count = (f"{r.numerator}/{r.denominator} ({format_percent(r.percent)})"
                     if r.denominator and r.numerator is not None else r.reason)
            _echo_err(f"  {r.status.value:<5} {r.check_id}{where}  {count}")
    for p in paths:
        _echo_err(f"  wrote {p}")


def _run_and_report(source: Path | str, out: Path, formats: str | Sequence[str], quiet: bool,
                    worklist: dict[str, Any] | None = None,
                    share_safe_min_cell: int | None = None, results_db: str | None = None,
                    **kwargs: Any) -> None:
    from validator.api import validate
    from validator.report import RENDERERS, parse_formats, write_reports

    names = parse_formats(formats)
    if results_db is not None:  # a malformed URL fails before the run
        from validator import results_db as store

        store.target(results_db)
    wl = None
    if worklist is not None:  # checked before the run: extension, not a report file, salt
        from validator.worklist import request

        wl = request(**worklist, protected=[source, *(out / RENDERERS[n][0] for n in names)])
    from validator import progress, timing

    with progress.shown(quiet):  # stderr, only on a terminal
        report = validate(source, worklist=wl, **kwargs)
        if share_safe_min_cell is not None:  # once, before every renderer and the summary
            from validator.share_safe import share_safe

            with timing.phase("share_safe"):
                report = share_safe(report, share_safe_min_cell)
        with timing.phase("write"):
            paths = write_reports(report, out, names)
    _summary(report, paths, quiet)
    if results_db is not None:
        _echo_err(f"  appended {store.append(report, results_db):,} rows to "
                  f"{store.target(results_db).shown}")
    if wl is not None:  # the count only: never keys, the salt or the path
        _echo_err(f"  wrote worklist: {wl.write(worklist['path']):,} rows")
    sys.exit(report.exit_code)


_WORKLIST_OPTIONS = (
    click.option("--worklist", "worklist", type=click.Path(path_type=Path),
                 help="Also write failing row keys per check to this .csv or .parquet file "
                      "(local remediation; never into reports). Keys are salted SHA-256 "
                      "hashes unless --worklist-raw-keys. See docs/worklist.md."),
    click.option("--worklist-raw-keys", is_flag=True,
                 help="List raw row keys in the worklist instead of hashes (the file then "
                      "holds identifiers: keep it access-controlled)."),
    click.option("--worklist-salt",
                 help="Salt of the worklist key hashes (default: env "
                      "REAL_VALIDATOR_WORKLIST_SALT, else a random salt kept in "
                      "<worklist>.salt)."),
    click.option("--worklist-max-rows", type=click.IntRange(min=1),
                 help="Most rows listed per check and field (default 100000); the file "
                      "states the cap and the total."),
)


def _worklist_options(fn: F) -> F:
    for option in reversed(_WORKLIST_OPTIONS):
        fn = option(fn)
    return fn


_SHARE_SAFE_OPTIONS = (
    click.option("--share-safe", "share_safe", is_flag=True,
                 help="Make every report fit to share outside the organisation: counts of 1 "
                      "to 10 and counts that would reveal them are suppressed (complementary "
                      "suppression, CMS convention), no value lists. See docs/share-safe.md."),
    click.option("--min-cell", "min_cell", type=click.IntRange(min=2),
                 help="Smallest count shown in share-safe mode (default 11: suppress 1-10)."),
)


def _share_safe_options(fn: F) -> F:
    for option in reversed(_SHARE_SAFE_OPTIONS):
        fn = option(fn)
    return fn


def _share_safe_arg(flag: bool, min_cell: int | None, default: int | None = None
                    ) -> int | None:
    """The min_cell of share-safe mode, or None when it is off."""
    if min_cell is not None and not flag and default is None:
        from validator.errors import UsageError

        raise UsageError("--min-cell needs --share-safe")
    if flag or default is not None or min_cell is not None:
        return min_cell or default or 11
    return None


def _worklist_arg(path: Path | None, raw_keys: bool, salt: str | None,
                  max_rows: int | None) -> dict[str, Any] | None:
    if path is None:
        if raw_keys or salt is not None or max_rows is not None:
            from validator.errors import UsageError

            raise UsageError("--worklist-raw-keys, --worklist-salt and --worklist-max-rows "
                             "need --worklist PATH")
        return None
    return {"path": path, "raw_keys": raw_keys, "salt": salt, "max_rows": max_rows}


def _source_arg(ctx: click.Context, param: click.Parameter, value: str) -> Path | str:
    """A file path, or a URI (postgresql://, or s3a://, hdfs://, file:/... and table:NAME for
    --engine spark) kept as text (Path would fold its //)."""
    from validator.io import is_uri

    return value if is_uri(value) else Path(value)


_RESULTS_DB_OPTION = click.option(
    "--results-db", "results_db", metavar="URL",
    help="Also append the long-format results table to the PostgreSQL table "
         "real_validator_results at this postgresql:// URL (created on first use; "
         "docs/postgres.md).")


def _engine_options(fn: Any) -> Any:
    fn = click.option("--spark-master", "spark_master", metavar="URL",
                      help="With --engine spark: the master URL (default local[*], all cores "
                           "of this machine), e.g. spark://host:7077.")(fn)
    return click.option("--engine", "engine", type=click.Choice(["pandas", "spark"]),
                        default=None, help="pandas (default: embedded) or spark: Spark reads "
                        "the CSV/TSV/Parquet file and GX's Spark engine runs the suites "
                        "(docs/spark.md).")(fn)


_LIST_UNMAPPED_OPTION = click.option(
    "--list-unmapped", "list_unmapped", is_flag=True,
    help="List source values of code fields that are not standard codes (code-like values on "
         "5+ rows) in the reports, to write a crosswalk. Off by default: only counted.")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("path", callback=_source_arg)
@click.option("--profile", "profile", type=click.Path(path_type=Path),
              help="Profile YAML mapping input columns to canonical fields. Not needed when "
                   "the columns already carry canonical names.")
@click.option("--sql", "sql", metavar="QUERY",
              help="With a postgresql:// PATH: validate the rows of this query instead of "
                   "?table= (docs/postgres.md).")
@_RESULTS_DB_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports"),
              show_default=True, help="Folder for report.json / report.md.")
@click.option("--format", "formats", default="json,md", show_default=True,
              help="Report formats, comma-separated: json, md, html (one self-contained "
                   "page with charts), csv (results table), parquet.")
@click.option("--fail-on", type=click.Choice(["critical", "warning"]), default="critical",
              show_default=True, help="'warning' makes warnings fail the gate too.")
@click.option("--thresholds", type=click.Path(path_type=Path),
              help="Thresholds file (CSV check_id,threshold,warn_threshold,notes or YAML).")
@click.option("--as-of", "as_of", help="Extract date YYYY-MM-DD (default: profile, "
              "as_of_date column, or today).")
@click.option("--dataset", help="Dataset name shown in reports (the file name never is).")
@click.option("--suite", "suites", multiple=True,
              type=click.Choice(sorted(catalog.SUITES)), help="Run only this suite "
              "(repeatable).")
@click.option("--encoding", help="Text encoding of the input (default: detected).")
@click.option("--delimiter", help="Field delimiter of the input (default: by extension).")
@click.option("--input-format", type=click.Choice(["csv", "tsv", "parquet", "fhir"]),
              help="Input format (default: by extension and content; fhir: FHIR R4 JSON "
                   "Bundle, resource or NDJSON).")
@click.option("--stratify-by", "stratify_by",
              help="Also compute every check per value of this canonical field or input column "
                   "(e.g. site_id, FACILITY). Overrides the profile's stratum.")
@click.option("--previous", "previous", type=click.Path(path_type=Path),
              help="results.csv or results.parquet of an earlier run of the same dataset: "
                   "SITE.DISTRIBUTION_SHIFT compares category shares with it.")
@_share_safe_options
@_worklist_options
@_LIST_UNMAPPED_OPTION
@_engine_options
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@guarded
def validate(path: Path, profile: Path | None, out: Path, formats: str, fail_on: str,
             thresholds: Path | None, as_of: str | None, dataset: str | None,
             suites: tuple[str, ...], encoding: str | None, delimiter: str | None,
             input_format: str | None, stratify_by: str | None, quiet: bool,
             worklist: Path | None, worklist_raw_keys: bool, worklist_salt: str | None,
             worklist_max_rows: int | None, previous: Path | None = None,
             share_safe: bool = False, min_cell: int | None = None, sql: str | None = None,
             results_db: str | None = None, list_unmapped: bool = False,
             engine: str | None = None, spark_master: str | None = None) -> None:
    """Validate PATH (a CSV, TSV, Parquet or FHIR file, a directory of Parquet part files, a
    postgresql://host/db?table=schema.name URL, or with --engine spark an s3a://, hdfs://,
    file:/ ... URI or a catalog table, table:schema.name) and write reports to --out.

    \b
    Example:
      real-validator validate fixtures/example_registration.csv --out reports/example
    """
    if sql is not None and not isinstance(path, str):
        from validator.errors import UsageError

        raise UsageError("--sql needs a postgresql:// PATH")
    _run_and_report(path, out, formats, quiet, profile=profile, thresholds=thresholds,
                    as_of_date=as_of, fail_on=fail_on, dataset=dataset,
                    suites=list(suites) or None, encoding=encoding, delimiter=delimiter,
                    input_format=input_format, stratify_by=stratify_by,
                    worklist=_worklist_arg(worklist, worklist_raw_keys, worklist_salt,
                                           worklist_max_rows), previous_results=previous,
                    share_safe_min_cell=_share_safe_arg(share_safe, min_cell),
                    results_db=results_db, sql=sql, list_unmapped=list_unmapped,
                    engine=engine or "pandas", spark_master=spark_master)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line.")
@click.option("--previous", "previous", type=click.Path(path_type=Path),
              help="results.csv or results.parquet of an earlier run of the same dataset "
                   "(overrides the checkpoint's previous_results).")
@_RESULTS_DB_OPTION
@_share_safe_options
@_worklist_options
@_LIST_UNMAPPED_OPTION
@_engine_options
@guarded
def run(checkpoint: Path, quiet: bool, worklist: Path | None, worklist_raw_keys: bool,
        worklist_salt: str | None, worklist_max_rows: int | None,
        previous: Path | None = None, share_safe: bool = False,
        min_cell: int | None = None, results_db: str | None = None,
        list_unmapped: bool = False, engine: str | None = None,
        spark_master: str | None = None) -> None:
    """Run a saved CHECKPOINT (YAML: source, profile, suites, thresholds, outputs, gate).

    \b
    Example:
      real-validator run checkpoints/example.yaml
    """
    from validator import checkpoint as checkpoints

    cp = checkpoints.load(checkpoint)
    _run_and_report(cp.source, cp.out_dir, cp.formats, quiet, profile=cp.profile,
                    thresholds=cp.thresholds, as_of_date=cp.as_of_date, fail_on=cp.fail_on,
                    dataset=cp.dataset or cp.name, suites=list(cp.suites) if cp.suites else None,
                    encoding=cp.input.get("encoding"), delimiter=cp.input.get("delimiter"),
                    input_format=cp.input.get("format"), stratify_by=cp.stratify_by,
                    worklist=_worklist_arg(worklist or cp.worklist.get("path"),
                                           worklist_raw_keys or cp.worklist.get("raw_keys", False),
                                           worklist_salt,
                                           worklist_max_rows or cp.worklist.get("max_rows")),
                    previous_results=previous or cp.previous_results,
                    share_safe_min_cell=_share_safe_arg(share_safe, min_cell,
                                                        cp.share_safe_min_cell),
                    results_db=results_db or cp.results_db, sql=cp.sql,
                    list_unmapped=list_unmapped or cp.list_unmapped,
                    engine=engine or cp.engine, spark_master=spark_master or cp.spark_master)


COMPARE_EXIT_HELP = """\b
Exit codes:
  0  the comparison was written
  2  usage or input error (not a results table, missing columns, mixed versions, ...)
  3  internal error (a bug: please report it; --debug shows the traceback)
"""


@main.command("compare", epilog=COMPARE_EXIT_HELP)
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports/compare"),
              show_default=True,
              help="Folder for compare.json/.md/.csv/.html (diff.* with --diff).")
@click.option("--format", "formats", default="json,md,csv", show_default=True,
              help="Output formats, comma-separated: json, md, csv, html (one "
                   "self-contained page, charts side by side per site).")
@click.option("--labels", help="Comma-separated site labels, one per run in the order of the "
                               "files (default: the dataset names).")
@click.option("--diff", "as_diff", is_flag=True,
              help="Two runs of one dataset (RESULTS = OLD NEW): what changed, row by row.")
@click.option("--allow-mixed-versions", is_flag=True,
              help="Compare results tables written by different tool or table versions.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@guarded
def compare_command(results: tuple[Path, ...], out: Path, formats: str, labels: str | None,
                    as_diff: bool, allow_mixed_versions: bool, quiet: bool) -> None:
    """Compare sites or runs side by side from their results tables (never patient data).

    RESULTS are results.csv / results.parquet files written by `validate --format
    csv,parquet` (share-safe or not); every run's whole input and each of its strata become
    one column. See docs/compare.md.

    \b
    Examples:
      real-validator compare north/results.csv south/results.csv east/results.csv
      real-validator compare --diff old/results.csv new/results.csv --out reports/diff
    """
    from validator import compare as cmp
    from validator.errors import UsageError

    names = cmp.parse_formats(formats)
    label_list = [x.strip() for x in labels.split(",")] if labels else None
    runs = cmp.load_runs(list(results), label_list, allow_mixed_versions)
    model: cmp.Comparison | cmp.Diff
    if as_diff:
        if len(runs) != 2:
            raise UsageError(f"--diff needs exactly two runs (OLD NEW), got {len(runs)}")
        model = cmp.diff(runs[0], runs[1])
        s = model.summary
        line = (f"real-validator diff: {s['worse']} worse, {s['better']} better, "
                f"{s['changed']} changed, {s['added']} added, {s['removed']} removed")
    else:
        model = cmp.compare(runs)
        line = f"real-validator compare: {len(model.sites)} sites from {len(runs)} runs"
    paths = cmp.write(model, out, names)
    if not quiet:
        _echo_err(line)
        for p in paths:
            _echo_err(f"  wrote {p}")


@main.group()
def profile() -> None:
    """Work with profiles (see docs/profile.md)."""


@profile.command("draft")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--sample", default=50_000, show_default=True,
              help="Rows read to compute value frequencies.")
@click.option("--crosswalk-out", type=click.Path(path_type=Path),
              help="Also write the proposed crosswalk rows to this CSV file.")
@guarded
def profile_draft(path: Path, sample: int, crosswalk_out: Path | None) -> None:
    """Draft a profile for PATH on stdout, every mapping marked GUESS.

    Guesses come from header names and value frequencies (aggregates only); values that are
    not standard codes become proposed crosswalk rows.

    \b
    Example:
      real-validator profile draft extract.csv > profile.yaml
    """
    from validator import draft
    from validator.report import write_atomic

    guesses, unmapped = draft.draft(path, sample=sample)
    click.echo(draft.render(guesses, unmapped), nl=False)
    if crosswalk_out is not None:
        write_atomic(crosswalk_out, draft.crosswalk_csv(guesses))
        _echo_err(f"wrote {crosswalk_out}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--implemented", is_flag=True, help="List only checks this version runs.")
@guarded
def checks(fmt: str, implemented: bool) -> None:
    """List the check catalogue (rule, check id, severity, category)."""
    rows = [c for c in catalog.load().values() if c.implemented or not implemented]
    if fmt == "json":
        data = [{"rule": c.rule, "check_id": c.check_id, "title": c.title,
                 "severity": c.severity.value, "category": c.category,
                 "suite": catalog.suite_of(c.check_id), "implemented": c.implemented}
                for c in rows]
        click.echo(json.dumps(data, indent=2))
        return
    if fmt == "csv":
        click.echo("rule,check_id,severity,category,suite,implemented")
        for c in rows:
            click.echo(f"{c.rule},{c.check_id},{c.severity.value},{c.category},"
                       f"{catalog.suite_of(c.check_id)},{'yes' if c.implemented else 'no'}")
        return
    width = max(len(c.check_id) for c in rows)
    for c in rows:
        state = "" if c.implemented else "  (planned)"
        click.echo(f"{c.rule}  {c.check_id:<{width}}  {c.severity.value:<8}  "
                   f"{c.category:<12}  {c.title}{state}")


@main.command()
@click.argument("check_id")
@guarded
def explain(check_id: str) -> None:
    """Explain one check: its rule, threshold, impact and fix.

    CHECK_ID is a check id such as RACE.VALUESET or a rule number such as R-011.
    """
    try:
        c = catalog.get(check_id)
    except KeyError:
        _echo_err(f"error: unknown check id {check_id!r}; run `real-validator checks` for "
                  "the list")
        sys.exit(EXIT_USAGE)
    sign = "at least" if c.measure.value == "rate" else "at most"
    threshold = "none (reported, never fails)" if c.threshold is None else (
        f"{sign} {c.threshold:g}%" + (f", warn at {c.warn_threshold:g}%"
                                      if c.warn_threshold is not None else "")
        + (f" [{c.threshold_tag}]" if c.threshold_tag else ""))
    lines = [
        f"{c.check_id} ({c.rule}): {c.title}",
        f"  suite {catalog.suite_of(c.check_id)} · category {c.category} · severity "
        f"{c.severity.value} · standard {c.profiles}"
        + (" · pediatric" if c.pediatric else "")
        + ("" if c.implemented else " · planned (not run by this version)"),
        f"  fields: {', '.join(c.fields) or 'dataset'}",
        f"  measure: {c.measure.value}; threshold: {threshold}",
        f"  numerator: {c.numerator or 'not defined yet'}",
        f"  denominator: {c.denominator or 'not defined yet'}",
    ]
    if c.params:
        lines.append("  parameters: " + ", ".join(f"{k}={v:g}" for k, v in c.params.items()))
    lines += ["", f"Rule: {c.description}"]
    if c.stratification_impact:
        lines += ["", f"Why it matters for stratification: {c.stratification_impact}"]
    if c.fix:
        lines += ["", f"How to fix: {c.fix}"]
    lines += ["", f"Source: {c.source}"]
    click.echo("\n".join(lines))


if __name__ == "__main__":  # pragma: no cover
    main()
