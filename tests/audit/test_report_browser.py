"""The HTML report renders in headless Chromium (marker ``browser``)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from greios.audit.report import render

sys.path.insert(0, str(Path(__file__).parent))
from test_report_writers import make_report

WIDTH, HEIGHT = 1280, 2000


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Tiny PNG decoder (8-bit RGB/RGBA, non-interlaced): width, height, unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    i = 0
    for _ in range(height):
        ftype = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(
            v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return width, height, rows


@pytest.mark.browser
@pytest.mark.slow
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    page = tmp_path / "report.html"
    page.write_text(render(make_report(), "html"), encoding="utf-8")
    png = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert png.is_file(), proc.stderr.decode(errors="replace")[-2000:]
    width, height, rows = decode_png(png.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    colours: set[bytes] = set()
    for row in rows[::8]:
        for x in range(0, len(row), 3 * 4):
            colours.add(row[x:x + 3])
    assert len(colours) > 20, f"page looks blank ({len(colours)} colours)"
    # the verdict matrix paints green, amber and red cells
    def near(rgb: tuple[int, int, int]) -> bool:
        return any(all(abs(c[i] - rgb[i]) <= 6 for i in range(3)) for c in colours)

    assert near((0xDA, 0xFB, 0xE1)), "no 'established' green"
    assert near((0xFF, 0xEB, 0xE9)), "no 'failed' red"
    assert near((0xFF, 0xF8, 0xC5)), "no 'GRE only' amber"
