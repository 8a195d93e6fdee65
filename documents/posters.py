"""Printable join posters: one PNG per grid for the notice board, with the grid's name
in Chinese and a QR code of its deep link https://t.me/<bot>?start=<grid code>.

The QR modules are drawn as exact squares on whole pixels (not scaled), so the code
scans from a phone at arm's length and a test can read it back module by module.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow and qrcode load when a poster is drawn, not when gridbot starts
    from PIL import Image, ImageDraw, ImageFont

from documents.fonts import cjk_font_path

if TYPE_CHECKING:  # PIL and qrcode load when a poster is drawn, not with every command (gridbot run)
    from PIL import Image, ImageDraw, ImageFont

# A4 portrait at 150 dpi: prints sharp on any office printer.
WIDTH, HEIGHT = 1240, 1754
MARGIN = 90
QR_TARGET = 820  # pixels the QR code (with its quiet zone) may take
INK, PAPER, ACCENT = (20, 20, 20), (255, 255, 255), (190, 30, 45)


@dataclass(frozen=True)
class PosterInfo:
    code: str
    name: str
    community: str = ""
    street: str = ""


@dataclass(frozen=True)
class PosterWords:
    """The poster's sentences, in the reader's language (the caller translates them):
    `code` has a {code} placeholder for the grid's code."""

    title: str
    steps: str
    code: str


@dataclass(frozen=True)
class QrPlacement:
    """Where the QR code sits: its top-left corner, the side of one module in pixels and
    the number of modules across (quiet zone included)."""

    left: int
    top: int
    module: int
    modules: int


def qr_matrix(data: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font_path()), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = 3) -> list[str]:
    """Character-wise wrapping (Chinese has no spaces to break at)."""
    lines, line = [], ""
    for ch in text:
        if font.getlength(line + ch) > width and line:
            lines.append(line)
            line = ch
        else:
            line += ch
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill=INK, max_lines: int = 3) -> int:
    font = _font(size)
    lines = [line for part in text.split("\n") for line in _wrap(part, font, WIDTH - 2 * MARGIN, max_lines)]
    for line in lines:
        width = font.getlength(line)
        draw.text(((WIDTH - width) / 2, y), line, font=font, fill=fill)
        y += int(size * 1.3)
    return y


def render(info: PosterInfo, link: str, words: PosterWords) -> tuple[Image.Image, QrPlacement]:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 150), fill=ACCENT)
    _centred(draw, 38, words.title, 64, fill=PAPER, max_lines=1)
    y = _centred(draw, 200, info.name, 72, max_lines=2)
    place = " · ".join(p for p in (info.street, info.community) if p)
    if place:
        y = _centred(draw, y + 6, place, 40, fill=(90, 90, 90), max_lines=1)

    matrix = qr_matrix(link)
    modules = len(matrix)
    module = max(QR_TARGET // modules, 4)
    side = module * modules
    left, top = (WIDTH - side) // 2, y + 30
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x0, y0 = left + c * module, top + r * module
                draw.rectangle((x0, y0, x0 + module - 1, y0 + module - 1), fill=(0, 0, 0))
    y = top + side + 30
    y = _centred(draw, y, words.steps, 40, max_lines=3)
    _centred(draw, max(y + 10, HEIGHT - 150), link, 30, fill=(90, 90, 90), max_lines=2)
    code_font = _font(26)
    draw.text((MARGIN, HEIGHT - 60), words.code.format(code=info.code), font=code_font, fill=(120, 120, 120))
    return image, QrPlacement(left, top, module, modules)


def write_posters(entries: list[PosterInfo], out_dir: Path, link_for, words: PosterWords,
                  on_progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """`link_for(code)`: the grid's deep link. Returns the files written (named <code>.png);
    `on_progress(done, total)` after each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for info in entries:
        image, _ = render(info, link_for(info.code), words)
        path = out_dir / f"{info.code}.png"
        image.save(path, format="PNG", dpi=(150, 150), optimize=True)
        written.append(path)
        if on_progress is not None:
            on_progress(len(written), len(entries))
    return written
