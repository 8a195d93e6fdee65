"""A CJK font that ships with a pip install (mplfonts carries Noto Sans CJK SC), so
charts and QR posters show Chinese characters, not empty boxes, on a fresh machine."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    # Found without importing mplfonts: its import sets matplotlib defaults we do not want.
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing("the mplfonts package is not installed: pip install mplfonts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    if not path.is_file():
        raise FontMissing(f"{path} is missing: reinstall mplfonts")
    return path


def cjk_font_properties():
    """matplotlib FontProperties for the CJK font (labels, titles, legends)."""
    from matplotlib.font_manager import FontProperties, fontManager

    path = cjk_font_path()
    fontManager.addfont(str(path))
    return FontProperties(fname=str(path))
