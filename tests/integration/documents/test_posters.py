"""Join posters: a PNG per grid whose QR code carries the grid's deep link."""
from __future__ import annotations

import pytest
from PIL import Image

from bot.cli.org import poster_words
from bot.cli.orgtasks import poster_entries
from documents.posters import PosterInfo, qr_matrix, render, write_posters
from organisation.invites import join_link


def read_modules(image: Image.Image, left: int, top: int, module: int, modules: int) -> list[list[bool]]:
    """The QR code as drawn: each module's centre pixel, dark or not."""
    grey = image.convert("L")
    half = module // 2
    return [[grey.getpixel((left + c * module + half, top + r * module + half)) < 128 for c in range(modules)]
            for r in range(modules)]


async def test_a_poster_per_grid_and_micro_grid_with_its_link(settings, org, tmp_path):
    entries = await poster_entries(settings)
    codes = [e.code for e in entries]
    assert codes[:3] == ["WT01", "WT01-6", "WT02"] and len(codes) == 7
    micro = next(e for e in entries if e.code == "WT01-6")
    assert micro.name.endswith("6号楼") and micro.community == "梧桐社区" and micro.street == "幸福街道"
    files = write_posters(entries[:2], tmp_path, lambda code: join_link("gridbot", code), poster_words())
    assert [f.name for f in files] == ["WT01.png", "WT01-6.png"]
    with Image.open(files[0]) as png:
        assert png.format == "PNG" and png.size == (1240, 1754)


def test_the_drawn_qr_code_is_exactly_the_links_matrix():
    link = "https://t.me/gridbot?start=WT01"
    image, at = render(PosterInfo("WT01", "梧桐一网格（1-6号楼）", "梧桐社区", "幸福街道"), link, poster_words())
    assert read_modules(image, at.left, at.top, at.module, at.modules) == qr_matrix(link)
    assert read_modules(image, at.left, at.top, at.module, at.modules) != qr_matrix(link + "x")
    assert at.module >= 8, "modules big enough to scan from a printed A4 sheet"


def test_the_poster_decodes_with_a_qr_reader(tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (a test extra) decodes the QR code")
    link = "https://t.me/gridbot?start=FL02"
    (path,) = write_posters([PosterInfo("FL02", "枫林二网格", "枫林社区")], tmp_path, lambda code: link, poster_words())
    with Image.open(path) as png:
        found = zxingcpp.read_barcodes(png)
    assert [r.text for r in found] == [link]


def test_long_names_wrap_instead_of_running_off_the_page():
    image, at = render(PosterInfo("X1", "很长的网格名称" * 8, "社区"), "https://t.me/b?start=X1", poster_words())
    grey = image.convert("L")
    # Nothing drawn in the side margins of the title area.
    assert all(grey.getpixel((x, y)) > 200 for x in (5, 1234) for y in range(200, 400, 5))
    assert at.top > 300
