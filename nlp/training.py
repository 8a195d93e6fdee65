"""Fitting, saving and evaluating the classifier's model.

The model is a linear SVM (one-vs-rest, squared hinge, balanced class weights) over word and
character n-gram TF-IDF features. Two numbers are then fitted on out-of-fold decisions, so
that they reflect messages the model has not seen:
- a temperature that turns decision values into probability-like confidences (softmax);
- the weight of the taxonomy's keyword rules, for labels that are taxonomy categories.
scikit-learn is used here only; the saved model infers with numpy alone.

Cost: one SVM fit per fold and a final one (3 folds by default: two on 2/3 of the data
each, and one on all of it, about three fits of the whole), each linear in the data. Three
folds calibrate as well as five did (cross-validated macro-F1 0.857 either way on our corpus). The word/character balance and C
are fixed (DEFAULT_*, picked by the grid search on our corpus and on public complaint titles);
``search=True`` runs that grid again (GRID: six candidates, each cross-validated: six times
the fits). It was on by default, and was most of the ten minutes 5,600 long complaints took.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .address import strip_addresses
from .classifier import MAX_CHARS, Classifier
from .features import FeatureSpace
from .model import TextModel
from .rules import CueRules
from .segmenter import Segmenter
from .taxonomy import Taxonomy, load_taxonomy
from .textnorm import normalize

DEFAULT_C = 0.5
DEFAULT_WORD_WEIGHT = 1.0
DEFAULT_CHAR_WEIGHT = 2.0
# liblinear's dual coordinate descent stops after SVM_PASSES passes over the data, or sooner at
# SVM_TOL. Left to converge it took 30-45 passes on long complaints, more as the data grew; the
# macro-F1 of 8 passes was the same (to 0.001) on our corpus and on public complaint titles and
# bodies, so a fit costs a fixed number of passes: linear in the data.
SVM_PASSES = 10
SVM_TOL = 1e-3
# (word weight, char weight, C) candidates, tried in this order; the first wins ties.
GRID = ((1.0, 1.0, 0.5), (1.0, 2.0, 0.5), (1.0, 3.0, 0.5), (1.0, 2.0, 1.0), (1.0, 1.0, 1.0), (1.0, 0.5, 1.0))
TEMPERATURES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0)
SEGMENT_STEPS = 10  # progress steps while segmenting the messages
RULE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)


def _clean(rows: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for text, label in rows:
        text, label = str(text).strip(), str(label).strip()
        if text and label:
            texts.append(text)
            labels.append(label)
    return texts, labels


def prepare(texts: Sequence[str], segmenter: Segmenter) -> list[tuple[list[str], str]]:
    """(tokens, normalised text without addresses) per message, as the classifier sees them."""
    docs = []
    for text in texts:
        norm = strip_addresses(normalize(text[:MAX_CHARS]))
        docs.append((segmenter.cut_normalized(norm), norm))
    return docs


def _fit_svm(X: Any, y: np.ndarray, n_labels: int, c: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features, n_labels) and biases of a one-vs-rest linear SVM."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    present = np.unique(y)
    # A fixed random_state: liblinear shuffles, and the same data should give the same model.
    svm = LinearSVC(C=c, class_weight="balanced", max_iter=SVM_PASSES, tol=SVM_TOL, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # stopping early is the point
        svm.fit(X, y)
    coef, icpt = svm.coef_, svm.intercept_
    if len(present) == 2:  # sklearn keeps one row for two classes: spread it symmetrically
        coef = np.vstack([-coef[0], coef[0]]) / 2.0
        icpt = np.array([-icpt[0], icpt[0]]) / 2.0
    W = np.full((X.shape[1], n_labels), 0.0, dtype=np.float32)
    b = np.full(n_labels, -10.0, dtype=np.float32)  # a label absent from this fold is never chosen
    W[:, present] = coef.T
    b[present] = icpt
    return W, b


def _rule_matrix(docs: Sequence[tuple[list[str], str]], labels: Sequence[str], taxonomy: Taxonomy) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    R = np.zeros((len(docs), len(labels)), dtype=np.float32)
    if not any(name in index for name in taxonomy.names):
        return R
    rules = CueRules(taxonomy)
    for row, (_, norm) in enumerate(docs):
        for cat, kws in rules.category_hits(norm).items():
            if cat in index:
                R[row, index[cat]] = CueRules.specificity(kws)
    return R


def _nll(z: np.ndarray, y: np.ndarray) -> float:
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def _calibrate(D: np.ndarray, R: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Temperature and rule weight minimising the log-loss of out-of-fold decisions."""
    use_rules = bool(R.any())
    best = (float("inf"), 1.0, 0.0)
    for t in TEMPERATURES:
        for w in RULE_WEIGHTS if use_rules else (0.0,):
            loss = _nll(D * t + w * R, y)
            if loss < best[0] - 1e-9:
                best = (loss, t, w)
    return best[1], best[2]


def _out_of_fold(X: Any, y: np.ndarray, n_labels: int, c: float, folds: int, seed: int,
                 fitted: Callable[[], None] = lambda: None) -> np.ndarray | None:
    from sklearn.model_selection import StratifiedKFold

    n_splits = _n_splits(y, folds)
    if n_splits < 2:
        return None
    D = np.zeros((X.shape[0], n_labels), dtype=np.float32)
    for tr, te in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        W, b = _fit_svm(X[tr], y[tr], n_labels, c, seed)
        D[te] = X[te] @ W + b
        fitted()
    return D


def _codes(labels: Sequence[str], label_set: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(label_set)}
    return np.array([index[label] for label in labels])


def _n_splits(y: np.ndarray, folds: int) -> int:
    return min(folds, int(np.bincount(y).min()))


def train(
    rows: Iterable[tuple[str, str]],
    *,
    segmenter: Segmenter | None = None,
    taxonomy: Taxonomy | None = None,
    c: float | None = None,
    word_weight: float | None = None,
    char_weight: float | None = None,
    folds: int = 3,
    seed: int = 0,
    min_df: int = 1,
    char_range: tuple[int, int] = (1, 3),
    calibrate: bool = True,
    search: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> TextModel:
    """Fit a model on (text, label) rows; any label set with at least two labels.

    ``c``/``word_weight``/``char_weight`` default to DEFAULT_C/DEFAULT_WORD_WEIGHT/
    DEFAULT_CHAR_WEIGHT. With ``search`` (and none of them given) they are chosen from GRID by
    cross-validated macro-F1 on these rows instead, at six times the cost. Out-of-fold
    decisions (``folds`` folds) fit the confidence temperature and the keyword-rule weight;
    ``calibrate=False`` skips them (temperature 1, no keyword rules): one fit only.
    Deterministic for a given ``seed``. Raises ValueError with fewer than two labels.

    ``on_progress(done, total)`` is called as the work goes: after each tenth of the messages
    segmented, the features built, each cross-validation fit, and the final fit and
    calibration; ``done`` counts up by one to ``total``.
    """
    texts, labels = _clean(rows)
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    # Taxonomy categories in their display order, then any other labels sorted.
    label_set = tuple([n for n in taxonomy.names if n in set(labels)] + sorted(set(labels) - set(taxonomy.names)))
    if len(label_set) < 2:
        raise ValueError(f"training needs at least two labels, got {len(label_set)}")
    segmenter = segmenter if segmenter is not None else Segmenter()
    if search and c is None and word_weight is None and char_weight is None:
        grid = GRID
    else:
        grid = ((word_weight or DEFAULT_WORD_WEIGHT, char_weight or DEFAULT_CHAR_WEIGHT, c or DEFAULT_C),)
    y = _codes(labels, label_set)
    n_splits = _n_splits(y, folds)
    cv_fits = n_splits if n_splits >= 2 else 0
    # The grid's candidates each cost a cross-validation; a single setting costs one for calibration.
    total = SEGMENT_STEPS + 2 + (len(grid) * cv_fits if len(grid) > 1 else (cv_fits if calibrate else 0))
    steps = iter(range(1, total + 1))

    def step() -> None:
        done = next(steps)
        if on_progress is not None:
            on_progress(done, total)

    docs: list[tuple[list[str], str]] = []
    for k in range(SEGMENT_STEPS):  # segmenting is a good part of the time: in tenths
        docs += prepare(texts[k * len(texts) // SEGMENT_STEPS:(k + 1) * len(texts) // SEGMENT_STEPS], segmenter)
        step()
    space, X1 = FeatureSpace.fit_matrix(docs, char_range=char_range, min_df=min_df)  # both blocks at weight 1
    X1 = X1.astype(np.float64)  # liblinear works in float64: convert once, not in every fit
    n_labels = len(label_set)
    step()

    def weighted(ww: float, cw: float) -> Any:
        X = X1.copy()
        X.data *= np.where(X.indices < space.n_words, ww, cw)
        return X

    chosen, D, cv_scores, X = grid[0], None, {}, None
    if len(grid) > 1:
        best_f1 = -1.0
        for ww, cw, cc in grid:
            Xc = weighted(ww, cw)
            Dc = _out_of_fold(Xc, y, n_labels, cc, folds, seed, step)
            if Dc is None:
                break
            f1 = _macro_f1(y, np.argmax(Dc, axis=1), n_labels)
            cv_scores[f"w{ww:g}/c{cw:g}/C{cc:g}"] = round(f1, 4)
            if f1 > best_f1 + 1e-9:
                best_f1, chosen, D, X = f1, (ww, cw, cc), Dc, Xc
    ww, cw, cc = chosen
    if X is None:
        X = weighted(ww, cw)
    space.word_weight, space.char_weight = ww, cw
    if calibrate and D is None:
        D = _out_of_fold(X, y, n_labels, cc, folds, seed, step)
    W, b = _fit_svm(X, y, n_labels, cc, seed)
    temperature, rule_weight, cv = 1.0, 0.0, None
    if calibrate and D is not None:
        R = _rule_matrix(docs, label_set, taxonomy)
        temperature, rule_weight = _calibrate(D, R, y)
        cv = _macro_f1(y, np.argmax(D * temperature + rule_weight * R, axis=1), n_labels)
    step()
    info = {
        "n": len(texts),
        "label_counts": dict(Counter(labels)),
        "c": cc,
        "word_weight": ww,
        "char_weight": cw,
        "features": space.size,
        "grid_cv_macro_f1": cv_scores,
        "cv_macro_f1": None if cv is None else round(cv, 4),
    }
    return TextModel(label_set, space, W, b, temperature, rule_weight, info)


def save(model: TextModel, directory: Path | str) -> Path:
    return model.save(Path(directory))


def _macro_f1(y: np.ndarray, pred: np.ndarray, n: int) -> float:
    present = np.union1d(np.unique(y), np.unique(pred))
    f1s = []
    for k in present:
        tp = np.sum((pred == k) & (y == k))
        fp = np.sum((pred == k) & (y != k))
        fn = np.sum((pred != k) & (y == k))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else 0.0


def evaluate(classifier: Classifier, rows: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1, confusion matrix and throughput.

    Macro-F1 averages over every label that is either gold or predicted (as scikit-learn does).
    """
    texts, gold = _clean(rows)
    classifier.warm_up()  # keep the dictionary load out of the timing
    started = time.perf_counter()
    predicted = [p.category for p in classifier.classify_many(texts)]
    elapsed = time.perf_counter() - started
    labels = [lb for lb in classifier.labels if lb in set(gold) | set(predicted)]
    labels += sorted((set(gold) | set(predicted)) - set(labels))
    index = {lb: i for i, lb in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, predicted):
        matrix[index[g], index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    f1s: list[float] = []
    for i, lb in enumerate(labels):
        tp = int(matrix[i, i])
        col, row = int(matrix[:, i].sum()), int(matrix[i, :].sum())
        precision = tp / col if col else 0.0
        recall = tp / row if row else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        per_class[lb] = {
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": row,
        }
    n = len(texts)
    return {
        "n": n,
        "accuracy": round(float(np.trace(matrix)) / n, 4) if n else 0.0,
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else 0.0,
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": matrix.tolist()},
        "msgs_per_s": round(n / elapsed, 1) if elapsed > 0 else 0.0,
    }
