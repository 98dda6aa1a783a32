"""Spark: main text and language as DataFrame columns, and a Common Crawl-style job over WARC files.

    >>> from filterkit.integrations.spark import with_main_text, filter_warc_files
    >>> with_main_text(pages, "html").select("url", "main", "lang", "filterkit_error")
    >>> with_main_text(pages, "html", markdown=True).select("url", "markdown")
    >>> filter_warc_files(spark, ["crawl-00000.warc.gz", "crawl-00001.warc.gz"]).write.parquet("main-text/")

    $ spark-submit filterkit/integrations/spark.py crawl/*.warc.gz --output main-text/

Both run in the executors' Python workers over Arrow batches. Each worker process loads the
model once and keeps it (a cache in this module: a task never carries a model, and a custom
model directory reaches the executors through ``SparkContext.addFile``). Its native libraries
run single-threaded, as filterkit's always do (``filterkit.threads``), since Spark already runs
one task per core; with ``spark.task.cpus`` above 1, give the tasks as many threads with
``spark.executorEnv.FILTERKIT_THREADS``. A page that cannot be filtered gets an error value in
its own row and the job goes on.
"""
from __future__ import annotations

import argparse
import os
import sys
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Sequence, Tuple

try:
    import pandas as pd
    from pyspark import SparkFiles
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
except ImportError as missing:  # pragma: no cover - depends on the installation
    raise ImportError(f"filterkit.integrations.spark needs pyspark, pandas and pyarrow ({missing}): "
                      "pip install 'filterkit-content[spark]'") from missing

from filterkit import ContentFilter, FilterkitError, FilterResult, Page
from filterkit.inputs import is_archive_file
from filterkit.metadata import Metadata

FORMATS = ("auto", "text", "html")
# The metadata column is a struct of filterkit.metadata.Metadata's fields; the UDFs hand them over flat
# (as metadata_<field>), and the struct is made on the Spark side.
METADATA_FIELDS = tuple(Metadata.__dataclass_fields__)
_NUMBER_FIELDS = {"language_probability", "page_type_probability"}
_FLAT_METADATA = ", ".join(f"metadata_{name} {'double' if name in _NUMBER_FIELDS else 'string'}"
                           for name in METADATA_FIELDS)
RESULT_SCHEMA = f"main string, lang string, error string, confidence double, kept_share double, {_FLAT_METADATA}"
WARC_SCHEMA = ("archive string, url string, record_id string, warc_type string, warc_date string, http_status int, "
               f"content_type string, main string, lang string, error string, confidence double, kept_share double, "
               f"{_FLAT_METADATA}")
ROWS_PER_FRAME = 256  # rows of an archive handed back to Spark at a time: memory stays flat however big the archive

_filters: dict[tuple[str | None, float | None], ContentFilter] = {}


def with_main_text(df: DataFrame, column: str = "html", *, format: str = "auto", text_column: str = "main",
                   lang_column: str = "lang", error_column: str = "filterkit_error", model: str | Path | None = None,
                   threshold: float | None = None, encoding_column: str | None = None,
                   content_type_column: str | None = None, batch_size: int = 64,
                   trust_model: bool = False, confidence_column: str = "confidence",
                   kept_share_column: str = "kept_share", metadata_column: str = "metadata",
                   markdown: bool = False, markdown_column: str = "markdown") -> DataFrame:
    """``df`` with six more columns (seven with ``markdown``): the main text of ``column`` (HTML or text,
    string or binary), its
    language, the error of a page that could not be filtered (then the text is empty and the language null),
    the page's confidence and kept share (``FilterResult``'s) and its metadata, a struct of
    ``filterkit.metadata.Metadata``'s fields; with ``markdown``, the main content as Markdown
    (``FilterResult.markdown``; null on error).

    ``encoding_column`` and ``content_type_column`` name optional per-row string columns: the page's
    encoding and its HTTP Content-Type (whose charset decodes bytes where the page declares none).
    ``model`` is a model directory on the driver; it is shipped to the executors. ``trust_model``
    loads a model of filterkit 0.2, a pickle (see ``filterkit.model_io``).
    """
    kinds = dict(df.dtypes)
    for name, allowed in ((column, ("string", "binary")), (encoding_column, ("string",)),
                          (content_type_column, ("string",))):
        if name is None:
            continue
        if name not in kinds:
            raise ValueError(f"the DataFrame has no column {name!r} (its columns: {', '.join(df.columns)})")
        if kinds[name] not in allowed:
            raise ValueError(f"column {name!r} is {kinds[name]}; it must be {' or '.join(allowed)}")
    added = [text_column, lang_column, error_column, confidence_column, kept_share_column, metadata_column] + \
        ([markdown_column] if markdown else [])
    taken = [name for name in added if name in df.columns]
    if taken or len(set(added)) < len(added):
        raise ValueError(f"the output columns must be new and distinct, got {', '.join(added)} "
                         f"({', '.join(taken) or 'repeated'}): choose other names with text_column, lang_column, "
                         "error_column, confidence_column, kept_share_column, metadata_column")
    _check(format, batch_size)
    model_file = _ship_model(df.sparkSession, model, threshold, trust_model)

    def filter_pages(batches: Iterator[Tuple[pd.Series, pd.Series, pd.Series]]) -> Iterator[pd.DataFrame]:
        return _filter_batches(batches, model_file, threshold, format, batch_size, markdown)

    def optional(name: str | None) -> Column:
        return F.col(name) if name is not None else F.lit(None).cast("string")

    # Nondeterministic in Spark's eyes only: it keeps the optimizer from copying the UDF into a later
    # filter on its columns, which would filter every page twice.
    # (pyspark's stubs cannot read an iterator UDF's kind from a function with untyped pandas hints)
    udf = F.pandas_udf(filter_pages, RESULT_SCHEMA + (", markdown string" if markdown else "")  # type: ignore[call-overload]
                       ).asNondeterministic()
    result = "__filterkit_result"
    return (df.withColumn(result, udf(F.col(column), optional(encoding_column), optional(content_type_column)))
            .select("*", F.col(result)["main"].alias(text_column), F.col(result)["lang"].alias(lang_column),
                    F.col(result)["error"].alias(error_column), F.col(result)["confidence"].alias(confidence_column),
                    F.col(result)["kept_share"].alias(kept_share_column),
                    _metadata_struct(lambda name: F.col(result)[name]).alias(metadata_column),
                    *([F.col(result)["markdown"].alias(markdown_column)] if markdown else []))
            .drop(result))


def filter_warc_files(spark: SparkSession, paths: Sequence[str | Path], *, model: str | Path | None = None,
                      threshold: float | None = None, batch_size: int = 64, trust_model: bool = False) -> DataFrame:
    """One row per page record (HTML response or WET conversion) of each WARC file, in archive order:
    archive, url, record_id, warc_type, warc_date, http_status, content_type, main, lang, error, confidence,
    kept_share, metadata (a struct, as ``with_main_text`` gives it).

    One task per archive, as in a Common Crawl job; ``paths`` must be readable where the executors
    run (a shared file system). A damaged archive keeps its records before the damage and adds one
    row with the archive's error and no url; an archive that cannot be opened gives that row alone.
    """
    if not paths:
        raise ValueError("no WARC files given")
    archives = [os.path.abspath(path) for path in paths]  # the executors' working directory is not the driver's
    _check("auto", batch_size)
    model_file = _ship_model(spark, model, threshold, trust_model)

    def filter_archives(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _filter_archives(frames, archives, model_file, threshold, batch_size)

    flat = spark.range(0, len(archives), numPartitions=len(archives)).mapInPandas(filter_archives, WARC_SCHEMA)
    plain = [name for name in flat.columns if not name.startswith("metadata_")]
    return flat.select(*plain, _metadata_struct(F.col).alias("metadata"))


def _metadata_struct(column) -> Column:
    """The metadata struct from the flat metadata_<field> columns (``column(name)`` gives one)."""
    return F.struct(*[column(f"metadata_{name}").alias(name) for name in METADATA_FIELDS])


def _check(format: str, batch_size: int) -> None:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")


def _ship_model(spark: SparkSession, model: str | Path | None, threshold: float | None,
                trust_model: bool) -> str | None:
    """The name under which the executors find ``model`` (None: the shipped default model).

    Whether a custom model may be loaded is decided here, on the driver; the executors load the copy
    that the driver shipped.
    """
    if model is None:  # the shipped model is installed with filterkit on every executor
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        return None
    ContentFilter(model, threshold, trust=trust_model)  # a wrong or untrusted model fails here, once
    directory = Path(model).resolve()
    spark.sparkContext.addFile(str(directory), recursive=True)
    return directory.name


def _content_filter(model_file: str | None, threshold: float | None) -> ContentFilter:
    """This worker process's filter, made on its first batch and kept for every later task."""
    key = (model_file, threshold)
    if key not in _filters:
        _filters[key] = ContentFilter(None if model_file is None else SparkFiles.get(model_file), threshold,
                                      trust=model_file is not None)
    return _filters[key]


def _filter_batches(batches: Iterable[tuple[pd.Series, pd.Series, pd.Series]], model_file: str | None,
                    threshold: float | None, format: str, batch_size: int,
                    markdown: bool = False) -> Iterator[pd.DataFrame]:
    content_filter = _content_filter(model_file, threshold)
    columns = [field.split()[0] for field in RESULT_SCHEMA.split(", ")] + (["markdown"] if markdown else [])
    for contents, encodings, content_types in batches:
        # A null cell is passed on: filter_many answers it with an error result.
        pages = (Page(_value(content), _value(encoding), _value(content_type))  # type: ignore[arg-type]
                 for content, encoding, content_type in zip(contents, encodings, content_types))
        results = list(content_filter.filter_many(pages, batch_size=batch_size, format=format))
        rows = [_columns(result) + ((None if result.error else result.markdown,) if markdown else ())
                for result in results]
        yield pd.DataFrame(rows, columns=columns)


def _value(cell: object) -> str | bytes | None:
    """A cell as filterkit takes it: Arrow gives a null as None or NaN, depending on the pandas version."""
    return cell if isinstance(cell, (str, bytes)) else None


def _columns(result: FilterResult) -> tuple:
    """main, lang, error, confidence, kept_share and the metadata fields of one result."""
    metadata = result.metadata.to_dict() if result.metadata is not None else {}
    return (result.text, None if result.error else result.lang, result.error, result.confidence, result.kept_share,
            *(metadata.get(name) for name in METADATA_FIELDS))


def _filter_archives(frames: Iterable[pd.DataFrame], archives: list[str], model_file: str | None,
                     threshold: float | None, batch_size: int) -> Iterator[pd.DataFrame]:
    content_filter = _content_filter(model_file, threshold)
    columns = [field.split()[0] for field in WARC_SCHEMA.split(", ")]
    for frame in frames:
        for index in frame["id"]:
            rows = _archive_rows(archives[index], content_filter, batch_size)
            while chunk := list(islice(rows, ROWS_PER_FRAME)):
                yield pd.DataFrame(chunk, columns=columns).astype({"http_status": "Int64"})


def _archive_rows(archive: str, content_filter: ContentFilter, batch_size: int) -> Iterator[tuple]:
    from filterkit.archives import ArchiveError, filter_archive

    try:
        for record, result in filter_archive(archive, content_filter, batch_size=batch_size):
            yield (archive, record.url, record.record_id, record.warc_type, record.date, record.status,
                   record.content_type, *_columns(result))
    except ArchiveError as error:
        yield _failed_row(archive, str(error))
    except OSError as error:
        yield _failed_row(archive, f"cannot read {archive}: {error.strerror or error}")


def _failed_row(archive: str, error: str) -> tuple:
    """The row of an archive that is damaged or cannot be read: its name and the error, nothing else."""
    return (archive, *[None] * 8, error, *[None] * (2 + len(METADATA_FIELDS)))


def _archive_paths(inputs: Sequence[str]) -> list[str]:
    """The WARC files named, folders expanded to the archives under them (sorted), told by their content as
    the command line tells them (``filterkit.inputs.is_archive_file``: ``.warc.wet.gz`` or any other name)."""
    paths = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(file) for file in path.rglob("*") if file.is_file())
            archives = [file for file in found if is_archive_file(file)]
            if len(archives) < len(found):
                print(f"filterkit: {name}: {len(found) - len(archives)} files that are not WARC archives skipped",
                      file=sys.stderr)
            paths += archives
        elif path.is_file():
            paths.append(name)
        else:
            raise ValueError(f"no such file or folder: {name}")
    if not paths:
        raise ValueError(f"no WARC archives in {', '.join(inputs)}")
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m filterkit.integrations.spark",
        description="Filter WARC files with Spark (one task per archive; run it with spark-submit on a cluster): "
                    "one row per HTML response or WET conversion record, with archive, url, record_id, "
                    "warc_type, warc_date, http_status, content_type, main, lang, error, confidence, kept_share "
                    "and metadata.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="WARC files (plain or gzip, any name) or folders holding them")
    parser.add_argument("--output", required=True, help="output directory; Spark writes one part file per archive")
    parser.add_argument("--output-format", choices=("parquet", "jsonl"), default="parquet")
    parser.add_argument("--overwrite", action="store_true", help="replace the output directory if it exists")
    parser.add_argument("--model", help="model directory (default: the one shipped with filterkit)")
    parser.add_argument("--trust-model", action="store_true",
                        help="load --model even if it is a filterkit 0.2 model, a pickle (only models you trust)")
    parser.add_argument("--threshold", type=float, help="keep paragraphs scoring at least this (0-1)")
    parser.add_argument("--batch-size", type=int, default=64, help="pages scored together (default 64)")
    args = parser.parse_args(argv)
    try:
        archives = _archive_paths(args.inputs)
        if not args.overwrite and Path(args.output).exists():
            raise ValueError(f"{args.output} exists: choose another --output, or --overwrite")
    except ValueError as error:
        print(f"filterkit: {error}", file=sys.stderr)
        return 2
    caller_session = SparkSession.getActiveSession()  # main() called from a notebook or a test: keep it running
    spark = SparkSession.builder.appName("filterkit").getOrCreate()
    try:
        rows = filter_warc_files(spark, archives, model=args.model, threshold=args.threshold,
                                 batch_size=args.batch_size, trust_model=args.trust_model)
        writer = rows.write.mode("overwrite")
        (writer.parquet if args.output_format == "parquet" else writer.json)(args.output)
        reader = spark.read.schema(rows.schema)
        written = (reader.parquet if args.output_format == "parquet" else reader.json)(args.output)
        counts = written.agg(F.count("*").alias("rows"), F.count("record_id").alias("pages"),
                             F.count("error").alias("errors")).first()
    except (FilterkitError, ValueError) as error:
        print(f"filterkit: {error}", file=sys.stderr)
        return 2
    finally:
        if caller_session is None:
            spark.stop()
    assert counts is not None, "an aggregate without groups has one row"
    damaged = counts["rows"] - counts["pages"]  # an archive's own error row has no record id
    print(f"filterkit: {len(archives)} archives, {counts['pages']} pages, {counts['errors'] - damaged} page "
          f"errors, {damaged} damaged or unreadable archives -> {args.output}", file=sys.stderr)
    return 3 if damaged else 0


if __name__ == "__main__":
    # Run as a script (spark-submit .../spark.py), this file is __main__, whose functions cloudpickle ships by
    # value with a fresh model cache in every task: the package's own module keeps one per worker process.
    from filterkit.integrations.spark import main as package_main

    sys.exit(package_main())
