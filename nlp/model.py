"""The learned part: a linear model over TF-IDF features, stored as JSON + .npz.

Inference is plain numpy (a row gather and a dot product), so a saved model does not depend
on the scikit-learn version that fitted it, and loads in well under a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .features import FeatureSpace

FORMAT = "gridbot-nlp-linear"
FORMAT_VERSION = 1
META_FILE = "model.json"
ARRAYS_FILE = "model.npz"


class ModelError(Exception):
    """A model directory is missing, incomplete or of an unknown format."""


@dataclass
class TextModel:
    labels: tuple[str, ...]
    features: FeatureSpace
    weights: np.ndarray  # (n_features, n_labels), float32
    bias: np.ndarray  # (n_labels,), float32
    temperature: float = 1.0  # scales decision values into softmax logits (fitted on held-out folds)
    rule_weight: float = 0.0  # logits added per unit of keyword specificity (fitted likewise)
    info: dict[str, Any] = field(default_factory=dict)  # how it was trained, for people

    def decision(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        if len(idx) == 0:
            return self.bias.copy()
        return vals @ self.weights[idx] + self.bias

    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        fs = self.features
        np.savez_compressed(
            directory / ARRAYS_FILE,
            word_vocab=np.array(fs.word_names, dtype=str),
            word_idf=fs.word_idf.astype(np.float32),
            char_keys=fs.char_keys.astype(np.uint64),
            char_idf=fs.char_idf.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "labels": list(self.labels),
            "features": {
                "word_ngrams": fs.word_ngrams,
                "char_range": [fs.char_lo, fs.char_hi],
                "word_weight": fs.word_weight,
                "char_weight": fs.char_weight,
            },
            "temperature": self.temperature,
            "rule_weight": self.rule_weight,
            "info": self.info,
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: Path) -> TextModel:
        directory = Path(directory)
        meta_path, arrays_path = directory / META_FILE, directory / ARRAYS_FILE
        if not meta_path.is_file() or not arrays_path.is_file():
            raise ModelError(f"no model in {directory} (expected {META_FILE} and {ARRAYS_FILE})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(arrays_path, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the model in {directory}: {exc}") from exc
        if meta.get("format") != FORMAT or meta.get("version") != FORMAT_VERSION:
            raise ModelError(f"{meta_path}: unknown model format {meta.get('format')!r} v{meta.get('version')}")
        f = meta["features"]
        try:
            space = FeatureSpace(
                {w: i for i, w in enumerate(arrays["word_vocab"].tolist())},
                arrays["word_idf"].astype(np.float32),
                arrays["char_keys"].astype(np.uint64),
                arrays["char_idf"].astype(np.float32),
                int(f["word_ngrams"]), int(f["char_range"][0]), int(f["char_range"][1]),
                float(f["word_weight"]), float(f["char_weight"]),
            )
        except KeyError as exc:
            raise ModelError(f"{directory}: the model lacks {exc}") from exc
        labels = tuple(meta["labels"])
        weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
        if weights.shape != (space.size, len(labels)):
            raise ModelError(f"{arrays_path}: weights of shape {weights.shape} do not fit the vocabulary")
        return cls(
            labels, space, weights, arrays["bias"].astype(np.float32),
            float(meta.get("temperature", 1.0)), float(meta.get("rule_weight", 0.0)), meta.get("info", {}),
        )
