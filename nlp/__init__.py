"""Understanding residents' messages: segmentation (jieba), event classification, evaluation.

Nothing is built at import: the jieba Tokenizer and the model load when first asked for
(``Classifier.load(...)``, ``Segmenter().warm_up()``). This package imports neither aiogram
nor SQLAlchemy.
"""

from .classifier import Classifier
from .prediction import Prediction
from .segmenter import Segmenter
from .taxonomy import CategorySpec, Taxonomy, load_taxonomy

__all__ = ["CategorySpec", "Classifier", "Prediction", "Segmenter", "Taxonomy", "load_taxonomy"]
