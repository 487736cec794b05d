"""The bundled Hangul web font (static/fonts): it covers every Korean character the UI shows,
the stylesheet loads it for Hangul only, and the app serves it as font/woff2.

tests/browser/test_classroom_font.py checks that a browser without Korean fonts draws it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "static" / "fonts"
FILES = {400: "noto-sans-kr-hangul-400.woff2", 700: "noto-sans-kr-hangul-700.woff2"}
FAMILY = "DescentLab Hangul"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")
# Where the Korean UI text lives: messages, page, lesson presets, catalog labels and help.
SOURCES = [
    *sorted((ROOT / "static").rglob("*.js")),
    ROOT / "static" / "index.html",
    *sorted((ROOT / "app").rglob("*.json")),
    *sorted((ROOT / "app").rglob("*.py")),
    *sorted((ROOT / "engine").rglob("*.py")),
]


def covered() -> set[int]:
    lines = (FONTS / "hangul-codepoints.txt").read_text(encoding="utf-8").splitlines()
    return {int(line, 16) for line in lines if line and not line.startswith("#")}


def test_every_korean_character_in_the_ui_is_in_the_font():
    have = covered()
    missing: dict[str, set[str]] = {}
    for path in SOURCES:
        for c in HANGUL.findall(path.read_text(encoding="utf-8")):
            if ord(c) not in have:
                missing.setdefault(str(path.relative_to(ROOT)), set()).add(c)
    assert not missing, (
        "Hangul outside the bundled font (run static/fonts/make_subset.py, see its README): "
        + "; ".join(f"{p}: {''.join(sorted(cs))}" for p, cs in missing.items())
    )
    assert any(HANGUL.search(p.read_text(encoding="utf-8")) for p in SOURCES)  # the scan works


def test_the_font_covers_the_ks_x_1001_syllables():
    common = {
        ord(bytes([a, b]).decode("euc_kr")) for a in range(0xB0, 0xC9) for b in range(0xA1, 0xFF)
    }
    assert len(common) == 2350
    assert common <= covered()


def test_the_font_files_are_small_woff2_with_their_licence():
    sizes = {}
    for name in FILES.values():
        data = (FONTS / name).read_bytes()
        assert data[:4] == b"wOF2", name
        sizes[name] = len(data)
    assert sum(sizes.values()) < 600_000, sizes
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


def test_the_code_point_list_matches_the_font_files():
    """Only where fontTools and brotli happen to be installed (they are no dependency)."""
    pytest.importorskip("brotli")
    ttlib = pytest.importorskip("fontTools.ttLib")
    for name in FILES.values():
        cmap = set(ttlib.TTFont(FONTS / name)["cmap"].getBestCmap())
        assert cmap >= covered(), name


def test_the_stylesheet_loads_the_font_for_hangul_only():
    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*{([^}]*)}", css)
    ours = [f for f in faces if FAMILY in f]
    assert {re.search(r"font-weight:\s*(\d+)", f).group(1) for f in ours} == {"400", "700"}
    for face in ours:
        url = re.search(r'url\("?(/fonts/[^")]+)"?\)\s*format\("woff2"\)', face).group(1)
        assert (ROOT / "static" / url.lstrip("/")).is_file(), url
        ranges = re.search(r"unicode-range:([^;]+);", face).group(1)
        assert "U+AC00-D7A3" in ranges and "U+0" not in ranges  # no Latin
        assert "font-display: swap" in face
    stack = re.search(r"--font:([^;]+);", css).group(1)
    assert f'"{FAMILY}"' in stack
    colors = (ROOT / "static" / "js" / "colors.js").read_text(encoding="utf-8")
    assert f'"{FAMILY}"' in re.search(r"export const PLOT_FONT = ([^;]+);", colors).group(1)


def test_the_app_serves_the_font(client):
    for name in FILES.values():
        r = client.get(f"/fonts/{name}")
        assert r.status_code == 200
        assert r.headers["content-type"] == "font/woff2"
        assert "max-age" in r.headers["cache-control"]
        assert r.content == (FONTS / name).read_bytes()
    assert client.get("/fonts/none.woff2").status_code == 404
