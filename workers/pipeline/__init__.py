"""Post-match screenshot analysis: layout from colours, EasyOCR on small crops, optional YOLO."""

from __future__ import annotations

from workers.pipeline.analyzer import AnalysisError, Analyzer, PipelineConfig

STAGES = ("detecting", "reading", "parsing")

__all__ = ["STAGES", "AnalysisError", "Analyzer", "PipelineConfig"]
