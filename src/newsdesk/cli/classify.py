"""``newsdesk classify``: file articles from texts, files or stdin, one JSON line an article."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from newsdesk.article import Article, detect_language
from newsdesk.classify.spec import ClassifierSpec
from newsdesk.classify.threads import limit_blas_threads
from newsdesk.cli.classify_adapt import adapted_classifier
from newsdesk.cli.classify_adapt import finish as finish_adapted
from newsdesk.cli.exits import EXIT_REJECTED, usage_error
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import (
    EncoderError,
    MissingExtraError,
    ModelFormatError,
    ReaderError,
    TaxonomyError,
)
from newsdesk.io import InputFormat, JsonLinesWriter, Rejected, check_source, count_records
from newsdesk.io.readers import STDIN, read_articles
from newsdesk.io.resume import PredictionSink, open_sink, write_predictions

try:  # typer >= 0.20 carries its own copy of click
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import UsageError  # type: ignore[assignment]

_PATH_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".tsv", ".txt", ".gz", ".json", ".parquet")


class Engine(StrEnum):
    """Where ``classify`` runs: this process, or a Ray Data job."""

    LOCAL = "local"
    RAY = "ray"


# the options of a Ray job, shared by the commands that offer --engine ray
ENCODER_HELP = "Encoder: e5-small, use-m3, lexical (no model, for tests), or a model folder."
RAY_ADDRESS = typer.Option(
    None, "--ray-address", help="With --engine ray: an existing cluster ('auto', ray://...)."
)
WORKERS = typer.Option(2, "--workers", min=1, help="With --engine ray: actors.")
CPUS_PER_WORKER = typer.Option(
    1, "--cpus-per-worker", min=1, help="With --engine ray: cores (threads) per actor."
)


# classify's longer options
_INPUTS = typer.Argument(
    None,
    metavar="[INPUT]...",
    help="Quoted texts, files (.jsonl, .jsonl.gz, .csv, .tsv, .txt), folders of .txt files, "
    "or '-' for stdin (read when no INPUT is given and stdin is not a terminal).",
    show_default=False,
)
_OUTPUT = typer.Option(
    "-",
    "--output",
    "-o",
    help="Write the JSON lines here (.gz compresses, .parquet writes Parquet); '-' is stdout."
    " With --engine ray: the output folder.",
)
_REJECTS = typer.Option(
    None,
    "--rejects",
    help="Write rejected rows here as JSON lines (source, line, reason, raw).",
)
_ENGINE = typer.Option(
    Engine.LOCAL,
    "--engine",
    case_sensitive=False,
    help="local: this process, streaming. ray: a Ray Data job writing Parquet files to "
    "an output folder (the last INPUT, or --output); needs newsdesk[scale].",
)
_VERBOSE = typer.Option(
    False,
    "--verbose",
    help="With --engine ray: show Ray's own output, not keep it in OUTPUT/_ray.log.",
)
_ADAPT = typer.Option(
    False,
    "--adapt",
    help="Self-train on the input (no labels) before filing it: reads the whole input "
    "into memory, encodes it once, and files it with the adapted head.",
)


class OneLineErrors(TyperCommand):
    """Usage errors print one ``error: ...`` line and exit 2, instead of a usage box."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            usage_error(f"{exc.format_message()} (see 'newsdesk {info_name} --help')")


def register(app: typer.Typer) -> None:
    """Add the ``classify`` command to ``app``."""
    app.command("classify", cls=OneLineErrors)(classify)


def classify(
    inputs: list[str] | None = _INPUTS,
    taxonomy: str = typer.Option("default", "--taxonomy", "-t", help="Taxonomy YAML file."),
    model: Path | None = typer.Option(
        None, "--model", "-m", help="A model folder from 'newsdesk train' (has its taxonomy)."
    ),
    encoder: str = typer.Option(DEFAULT_ENCODER, "--encoder", "-e", help=ENCODER_HELP),
    output: str = _OUTPUT,
    resume: bool = typer.Option(
        False, "--resume", help="Continue an interrupted run: skip what --output already holds."
    ),
    top_k: int = typer.Option(
        0, "--top-k", "-k", min=0, help="Add the K most probable sections as 'top'."
    ),
    multi_label: bool = typer.Option(
        False, "--multi-label", help="Also list every section that passes its threshold."
    ),
    rejects: str | None = _REJECTS,
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Articles encoded at once."),
    text_column: str = typer.Option("text", "--text-column", help="Field holding the text."),
    title_column: str = typer.Option("title", "--title-column", help="Field holding the title."),
    id_column: str = typer.Option("id", "--id-column", help="Field holding the id."),
    format: InputFormat | None = typer.Option(
        None, "--format", "-f", case_sensitive=False, help="Input format, when names don't say."
    ),
    engine: Engine = _ENGINE,
    ray_address: str | None = RAY_ADDRESS,
    workers: int = WORKERS,
    cpus_per_worker: int = CPUS_PER_WORKER,
    preserve_order: bool = typer.Option(
        False, "--preserve-order", help="With --engine ray: keep the input order (slower)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="With --engine ray: replace Parquet files in the folder."
    ),
    verbose: bool = _VERBOSE,
    adapt: bool = _ADAPT,
    adapt_save: Path | None = typer.Option(
        None, "--adapt-save", help="With --adapt: also save the adapted model here (--model)."
    ),
) -> None:
    """Classify articles and print one JSON line an article.

    Each line has id, section, confidence, lang and scores (every section's probability).
    The input is streamed: memory stays flat however large it is (with --adapt it is read
    into memory first, to learn from it). With --resume, a run that was killed picks up after
    the last whole row of --output (.jsonl or .parquet), with the same adapted model.
    Exit status: 0 when every row was classified, 3 when some were rejected (reported on stderr
    and written to --rejects), 2 on a usage error.
    """
    if adapt_save is not None and not adapt:
        usage_error("--adapt-save needs --adapt")
    spec = ClassifierSpec(taxonomy, encoder, multi_label, model=str(model) if model else None)
    read = dict(text_column=text_column, title_column=title_column, id_column=id_column)
    if engine is Engine.RAY:
        from newsdesk.cli.classify_ray import classify_on_ray

        settings = dict(workers=workers, cpus_per_worker=cpus_per_worker, address=ray_address)
        settings.update(encode_batch=batch_size, preserve_order=preserve_order)
        classify_on_ray(inputs or [], output, spec, settings, format, read, top_k, overwrite,
                        resume=resume, rejects=rejects, verbose=verbose, adapt=adapt,
                        adapt_save=adapt_save)  # fmt: skip
        return
    _classify_here(
        inputs or ([] if stdin_is_terminal() else [STDIN]), spec, output, resume, top_k, rejects,
        batch_size, format, read, adapt, adapt_save,
    )  # fmt: skip


def _classify_here(
    inputs: list[str], spec: ClassifierSpec, output: str, resume: bool, top_k: int,
    rejects: str | None, batch_size: int, format: InputFormat | None, read: dict[str, str],
    adapt: bool, adapt_save: Path | None,
) -> None:  # fmt: skip
    """``classify`` in this process, streaming (``--engine local``)."""
    sources = _sources(inputs, format, read["text_column"])
    # before the model is built: its label vectors come out the same to the last bit in every
    # process, whatever ran before in it (products summed over two threads differ in the last
    # bits), so a resumed run writes what an uninterrupted one writes
    limit_blas_threads()
    try:
        clf = spec.build()
    except (TaxonomyError, EncoderError, ModelFormatError) as exc:
        usage_error(str(exc))

    def predict(articles: Iterator[Article]) -> Iterator[dict[str, Any]]:
        for prediction in clf.classify_many(articles, batch_size=batch_size):
            yield prediction.to_dict(top_k=top_k or None)

    with ExitStack() as stack:
        sink = _open_sink(output, resume)
        progress = stack.enter_context(_Progress(sources, format, read["text_column"]))
        report = stack.enter_context(_RejectReport(rejects, progress, resumed=sink.done))
        articles = _read_all(sources, dict(read, format=format), report)
        if adapt:
            clf, articles = adapted_classifier(
                clf, articles, output=output, written=sink.done, save=adapt_save
            )
        try:
            write_predictions(
                articles, predict, sink, batch_size=batch_size,
                on_resumed=report.resumed, on_batch=progress,
            )  # fmt: skip
        except ReaderError as exc:  # --resume on another input
            usage_error(str(exc))
    if adapt:
        finish_adapted(output)
    if report.count:
        typer.echo(f"{report.count} row(s) rejected", err=True)
        raise typer.Exit(EXIT_REJECTED)


def _sources(
    inputs: list[str], format: InputFormat | None, text_column: str
) -> list[str | Article]:
    """Tell texts from paths, and check every path before any work starts."""
    if not inputs:
        usage_error("no input; give a quoted text, a file, or '-' to read stdin")
    if inputs.count(STDIN) > 1:
        usage_error("'-' (stdin) can be given only once")
    sources: list[str | Article] = []
    for number, value in enumerate(inputs, 1):
        if value == STDIN or _is_path(value):
            try:
                check_source(value, format=format, text_column=text_column)
            except (ReaderError, MissingExtraError) as exc:
                usage_error(str(exc))
            sources.append(value)
        elif value.strip():
            sources.append(Article(text=value, id=f"arg:{number}", lang=detect_language(value)))
        else:
            usage_error(f"INPUT {number} is an empty text")
    return sources


def _is_path(value: str) -> bool:
    """An existing path, or what only a mistyped path would look like (one word, a suffix)."""
    try:
        if Path(value).exists():
            return True
    except OSError:  # a long text is not a valid file name
        return False
    one_word = not any(ch.isspace() for ch in value)
    return one_word and (value.lower().endswith(_PATH_SUFFIXES) or "/" in value)


def _read_all(
    sources: list[str | Article], options: dict[str, Any], report: _RejectReport
) -> Iterator[Article]:
    for source in sources:
        if isinstance(source, Article):
            yield source
            continue
        try:
            yield from read_articles(source, on_reject=report, **options)
        except ReaderError as exc:  # stdin as a whole: a CSV without its text column
            usage_error(str(exc))


class _RejectReport:
    """Reports each rejected row on stderr and, with ``--rejects``, as a JSON line.

    When a run resumes (``resumed`` rows were written before), rows rejected while skipping
    them were reported by the first run: they are not reported again, but ``--rejects`` is
    written afresh with them, so that it holds every reject once however far the killed run
    had read ahead of the rows it saved.
    """

    def __init__(
        self, path: str | None, progress: Callable[[int], None], *, resumed: int = 0
    ) -> None:
        self.path = path
        self.progress = progress
        self.count = 0
        self.muted = resumed > 0
        self._writer: JsonLinesWriter | None = None

    def __enter__(self) -> _RejectReport:
        if self.path is not None:
            self._writer = _open_writer(self.path)
        return self

    def resumed(self, skipped: int) -> None:
        """The rows the output already held were skipped: report rejects from here on."""
        self.muted = False
        self.progress(skipped)

    def __exit__(self, *exc_info: object) -> None:
        if self._writer is not None:
            self._writer.close()

    def __call__(self, rejected: Rejected) -> None:
        if self.muted:
            if self._writer is not None and self.path != STDIN:
                self._writer.write(rejected.to_dict())
            return
        self.count += 1
        typer.echo(f"rejected {rejected}", err=True)
        if self._writer is not None:
            self._writer.write(rejected.to_dict())
            self._writer.flush()
        self.progress(1)


def _open_writer(path: str) -> JsonLinesWriter:
    try:
        return JsonLinesWriter(path)
    except OSError as exc:
        usage_error(f"cannot write {path}: {exc.strerror or exc}")


def _open_sink(path: str, resume: bool) -> PredictionSink:
    try:
        return open_sink(path, resume=resume)
    except OSError as exc:
        usage_error(f"cannot write {path}: {exc.strerror or exc}")
    except (ReaderError, MissingExtraError) as exc:
        usage_error(str(exc))


class _Progress:
    """A progress bar on stderr over every row, shown only on a terminal for more than one row.

    Counting rows reads the inputs once more, which costs little beside classifying them.
    """

    def __init__(self, sources: list[str | Article], format: InputFormat | None, column: str):
        self.bar: Any = None
        if not stderr_is_terminal() or STDIN in sources:
            return
        total = sum(_count(source, format, column) for source in sources)
        if total > 1:
            self.bar = typer.progressbar(length=total, label="classifying", file=sys.stderr)

    def __enter__(self) -> Callable[[int], None]:
        if self.bar is None:
            return lambda _: None
        bar = self.bar.__enter__()
        return bar.update

    def __exit__(self, *exc_info: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)


def _count(source: str | Article, format: InputFormat | None, column: str) -> int:
    if isinstance(source, Article):
        return 1
    try:
        return count_records(source, format=format, text_column=column) or 0
    except ReaderError:  # _sources stops the run on it before this counts
        return 1


def stdin_is_terminal() -> bool:
    """Whether stdin is an interactive terminal (then it is read only when '-' is given)."""
    return sys.stdin.isatty()


def stderr_is_terminal() -> bool:
    """Whether stderr is an interactive terminal (no progress bar in logs and pipes)."""
    return sys.stderr.isatty()
