"""The `skillshift` command: analyse screenshots locally, without Redis or the API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from shared.annotate import render_annotated
from shared.images import ImageRejected, decode_rgb
from shared.logs import configure_logging
from shared.serialization import dumps
from shared.settings import Settings
from workers import heroes_cli


def analyze_command(args: argparse.Namespace) -> int:
    from workers.pipeline import AnalysisError, Analyzer, PipelineConfig

    settings = Settings.from_env()
    weights = None if args.no_detector else settings.detector_weights
    analyzer = Analyzer.load(
        PipelineConfig(
            detector_weights=weights,
            device=args.device or settings.device,
            ocr_model_dir=settings.ocr_model_dir,
            hero_gallery=settings.hero_gallery,
            hero_threshold=settings.hero_threshold,
        )
    )
    status = 0
    results = []
    for path in args.files:
        data = path.read_bytes()
        try:
            result = analyzer.analyze(decode_rgb(data, max_pixels=settings.max_image_pixels))
        except (ImageRejected, AnalysisError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
            continue
        results.append({"file": str(path), "result": result})
        if args.annotate is not None:
            target = (
                args.annotate
                if len(args.files) == 1
                else args.annotate.with_stem(f"{args.annotate.stem}-{path.stem}")
            )
            target.write_bytes(render_annotated(data, result, max_pixels=settings.max_image_pixels))
    output = results[0]["result"] if len(args.files) == 1 and results else results
    sys.stdout.write(dumps(output).decode() + "\n")
    return status


def submit_command(args: argparse.Namespace) -> int:
    import httpx

    from skillshift.client import Client, SkillShiftError

    status = 0
    with Client(args.url, token=args.token) as client:
        for path in args.files:
            try:
                event = client.submit(path, fresh=args.fresh)
                if args.wait:
                    event = _follow(client, event, path)
            except SkillShiftError as exc:
                print(f"{path}: {exc.detail} (HTTP {exc.status})", file=sys.stderr)
                status = 1
                continue
            except OSError as exc:
                print(f"{path}: cannot read the file: {exc.strerror or exc}", file=sys.stderr)
                status = 1
                continue
            except httpx.HTTPError as exc:
                print(f"{path}: request to {args.url} failed: {exc}", file=sys.stderr)
                return 1
            if event["state"] == "failed":
                status = 1
            sys.stdout.write(dumps(event).decode() + "\n")
    return status


def _follow(client: Any, first: dict[str, Any], path: Path) -> dict[str, Any]:
    """Print each state change of the job to stderr; return its final event."""
    final = first
    for event in client.stream(first["job_id"]):
        label = event["state"] + (f": {event['stage']}" if event.get("stage") else "")
        print(f"{path.name}: {label}", file=sys.stderr, flush=True)
        final = event
    return final


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skillshift", description="SkillShift command line tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    analyze = commands.add_parser("analyze", help="analyse screenshots and print the result JSON")
    analyze.add_argument("files", nargs="+", type=Path, help="PNG, JPEG or WebP screenshots")
    analyze.add_argument(
        "--annotate",
        type=Path,
        metavar="OUT.png",
        help="write the screenshot with boxes drawn on it (one file per input)",
    )
    analyze.add_argument("--device", help="cpu, cuda:0 or auto (default: SKILLSHIFT_DEVICE or auto)")
    analyze.add_argument("--no-detector", action="store_true", help="skip the YOLO detector stage")
    analyze.set_defaults(handler=analyze_command)

    submit = commands.add_parser("submit", help="upload screenshots to a running SkillShift API")
    submit.add_argument("files", nargs="+", type=Path, help="PNG, JPEG or WebP screenshots")
    submit.add_argument(
        "--url",
        default=os.environ.get("SKILLSHIFT_URL", "http://127.0.0.1:8000"),
        help="API base URL (default: SKILLSHIFT_URL or http://127.0.0.1:8000)",
    )
    submit.add_argument(
        "--token", default=os.environ.get("SKILLSHIFT_TOKEN"), help="API token (default: SKILLSHIFT_TOKEN)"
    )
    submit.add_argument(
        "--wait",
        action="store_true",
        help="follow each job, printing its stages to stderr, and print its final event",
    )
    submit.add_argument(
        "--fresh", action="store_true", help="analyse again a file uploaded before instead of reusing its job"
    )
    submit.set_defaults(handler=submit_command)

    heroes_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging("WARNING")
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
