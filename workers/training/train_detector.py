"""Train the post-match screen detector from scratch on synthetic screens, offline.

    nice -n 10 python -m workers.training.train_detector

Writes workers/pipeline/weights/detector.pt and detector.json (classes, input size,
command, date, duration, machine and precision/recall on the real samples).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workers.training.dataset import build_dataset
from workers.training.synthetic import CLASSES

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
MODEL_YAML = Path(__file__).with_name("detector.yaml")
WEIGHTS = REPO / "workers" / "pipeline" / "weights" / "detector.pt"
SAMPLES = Path(os.environ.get("SKILLSHIFT_SAMPLES", REPO / "tests" / "data" / "real"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train the screen detector on synthetic screens.")
    parser.add_argument("--matches", type=int, default=250, help="training matches (two screens each)")
    parser.add_argument("--val-matches", type=int, default=10, help="validation matches (two screens each)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--imgsz", type=int, default=512, help="input size in pixels (long side)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr0", type=float, default=0.003, help="initial AdamW learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where to write the .pt file")
    parser.add_argument("--keep", type=Path, default=None, help="keep the dataset and run folder here")
    return parser.parse_args(argv)


def isolate_ultralytics(config_dir: Path) -> None:
    """Point ultralytics at a private settings folder and make it treat the machine as offline.

    With YOLO_OFFLINE set, ultralytics 8.4 skips its DNS check and sends no usage events. Both
    variables are read at import time, so this must run before the first `import ultralytics`.
    """
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ["YOLO_OFFLINE"] = "1"


def train(data_yaml: Path, run_dir: Path, args: argparse.Namespace) -> Path:
    from ultralytics import YOLO

    model = YOLO(str(MODEL_YAML))
    model.train(
        data=str(data_yaml),
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        device="cpu",
        workers=1,
        seed=args.seed,
        deterministic=True,
        project=str(run_dir),
        name="detector",
        exist_ok=True,
        pretrained=False,
        amp=False,
        plots=False,
        verbose=False,
        # A fixed optimizer and a short warmup, because the "auto" choice picks a small learning rate
        # that needs far more iterations than a CPU run of this size can afford.
        optimizer="AdamW",
        lr0=args.lr0,
        warmup_epochs=1.0,
        # Rectangular batches skip the square padding of wide screens and halve the work per image.
        rect=True,
        mosaic=0.0,
        fliplr=0.0,
        scale=0.15,
        translate=0.05,
        degrees=0.0,
        # Medal type and the highlighted own row differ only in colour, so hue and saturation
        # jitter stay far below the ultralytics defaults (0.015, 0.7, 0.4).
        hsv_h=0.005,
        hsv_s=0.25,
        hsv_v=0.25,
    )
    return run_dir / "detector" / "weights" / "best.pt"


def machine() -> str:
    import torch

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"with {torch.get_num_threads()} threads"
    )


def write_report(out: Path, args: argparse.Namespace, seconds: float, real: dict[str, Any]) -> Path:
    report = {
        "classes": list(CLASSES),
        "imgsz": args.imgsz,
        "model": MODEL_YAML.name,
        "command": "nice -n 10 python -m workers.training.train_detector " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_seconds": round(seconds),
        "machine": machine(),
        "dataset": {
            "train_screens": 2 * args.matches,
            "val_screens": 2 * args.val_matches,
            "seed": args.seed,
        },
        "epochs": args.epochs,
        "real_samples": {
            "note": "4 real screenshots at 2532x1170 and rescaled to 1280x591, IoU >= 0.5, conf >= 0.25",
            "per_class": real,
        },
    }
    path = out.with_suffix(".json")
    path.write_text(json.dumps(report, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    work = Path(tempfile.mkdtemp(prefix="skillshift-detector-")) if args.keep is None else args.keep
    isolate_ultralytics(work / "ultralytics-config")
    started = time.monotonic()
    try:
        data_yaml = build_dataset(work / "dataset", args.matches, args.val_matches, args.seed)
        best = train(data_yaml, work / "runs", args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(best, args.out)
        seconds = time.monotonic() - started

        from ultralytics import YOLO

        from workers.training.evaluate import evaluate_real

        real = evaluate_real(YOLO(str(args.out)), SAMPLES, args.imgsz)
        for label, scores in real.items():
            logger.info("%-13s precision %.3f recall %.3f", label, scores["precision"], scores["recall"])
        logger.info(
            "wrote %s and %s after %.0f s", args.out, write_report(args.out, args, seconds, real), seconds
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
