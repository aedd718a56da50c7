"""Compare plain EasyOCR `readtext` on whole screenshots with the pipeline on the same images.

Run: nice -n 10 .venv/bin/python bench/ocr_speed.py [--device cpu] [--repeat 1]
Prints seconds per image for both, their ratio, and the peak resident memory of this process
after the pipeline alone (what a worker needs) and after readtext as well.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.samples import NAMES, SAMPLES, load_rgb  # noqa: E402
from shared.settings import Settings  # noqa: E402
from workers.pipeline import Analyzer, PipelineConfig  # noqa: E402


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="pipeline device: auto, cpu or cuda:N")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each image per method")
    args = parser.parse_args()

    # The same models as a worker with default settings: EasyOCR and the shipped detector.
    weights = Settings.from_env().detector_weights
    analyzer = Analyzer.load(PipelineConfig(device=args.device, detector_weights=weights))
    reader = analyzer.text.reader
    print(f"models: {'; '.join(analyzer.loaded)}")
    images = {name: load_rgb(SAMPLES / name) for name in NAMES}
    analyzer.analyze(images[NAMES[0]])

    # The pipeline runs first, so that the peak memory read after it is the worker's alone:
    # readtext on a whole screenshot needs far more memory than the pipeline's small crops.
    pipeline = {name: statistics.median([timed(lambda image=image: analyzer.analyze(image))
                                         for _ in range(args.repeat)]) for name, image in images.items()}
    pipeline_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    plain = {name: statistics.median([timed(lambda image=image: reader.readtext(image))
                                      for _ in range(args.repeat)]) for name, image in images.items()}
    plain_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{'image':<26}{'readtext s':>12}{'pipeline s':>12}{'ratio':>8}")
    for name in images:
        print(f"{name:<26}{plain[name]:>12.2f}{pipeline[name]:>12.2f}{plain[name] / pipeline[name]:>8.1f}")
    mean_plain, mean_pipeline = statistics.mean(plain.values()), statistics.mean(pipeline.values())
    print(f"{'mean':<26}{mean_plain:>12.2f}{mean_pipeline:>12.2f}{mean_plain / mean_pipeline:>8.1f}")
    print(f"peak RSS: {pipeline_peak_mib:.0f} MiB after the pipeline, {plain_peak_mib:.0f} MiB after both")
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
