"""A small PNG line-plot writer (zlib + struct only, no plotting library).

``line_plot(path, panels)`` draws panels side by side; each panel has a
title, x/y axes with tick labels, and series of (x, y) points drawn as
lines (or as dots with ``style="dots"``), with a legend. Text uses a 5x7
bitmap font (upper case, digits and a few signs).
"""

import math
import struct
import zlib

# 5x7 glyphs, one string of 7 rows of 5 bits per character.
_FONT_ROWS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "/": "00001 00010 00010 00100 01000 01000 10000",
    "(": "00010 00100 01000 01000 01000 00100 00010",
    ")": "01000 00100 00010 00010 00010 00100 01000",
    "%": "11001 11010 00010 00100 01000 01011 10011",
    "=": "00000 00000 11111 00000 11111 00000 00000",
    "+": "00000 00100 00100 11111 00100 00100 00000",
    ",": "00000 00000 00000 00000 01100 00100 01000",
    "_": "00000 00000 00000 00000 00000 00000 11111",
}
_FONT = {c: [int(r, 2) for r in rows.split()] for c, rows in _FONT_ROWS.items()}

COLORS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189)]


class Canvas:
    """RGB raster with pixel, line, rectangle and text drawing."""

    def __init__(self, width, height, background=(255, 255, 255)):
        self.w, self.h = width, height
        self.px = bytearray(bytes(background) * (width * height))

    def set(self, x, y, color):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = 3 * (y * self.w + x)
            self.px[i : i + 3] = bytes(color)

    def line(self, x0, y0, x1, y1, color, thick=1):
        # Bresenham; thickness by drawing a small square at each point.
        x0, y0, x1, y1 = int(round(x0)), int(round(y0)), int(round(x1)), int(round(y1))
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        r = thick // 2
        while True:
            for ox in range(-r, thick - r):
                for oy in range(-r, thick - r):
                    self.set(x0 + ox, y0 + oy, color)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def rect(self, x0, y0, x1, y1, color):
        for y in range(max(y0, 0), min(y1, self.h)):
            for x in range(max(x0, 0), min(x1, self.w)):
                self.set(x, y, color)

    def text(self, x, y, s, color=(0, 0, 0), scale=1):
        for ch in s.upper():
            rows = _FONT.get(ch, _FONT[" "])
            for ry, bits in enumerate(rows):
                for rx in range(5):
                    if bits >> (4 - rx) & 1:
                        self.rect(
                            x + rx * scale,
                            y + ry * scale,
                            x + (rx + 1) * scale,
                            y + (ry + 1) * scale,
                            color,
                        )
            x += 6 * scale

    def png(self):
        """PNG bytes: signature, IHDR (8-bit RGB), one zlib IDAT, IEND."""

        def chunk(kind, data):
            body = kind + data
            return (
                struct.pack(">I", len(data))
                + body
                + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
            )

        stride = 3 * self.w
        raw = b"".join(
            b"\x00" + bytes(self.px[y * stride : (y + 1) * stride]) for y in range(self.h)
        )
        ihdr = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )


def _ticks(lo, hi, n=5):
    """About n round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.ceil(lo / step) * step
    out, v = [], start
    while v <= hi + 1e-9 * step:
        out.append(v)
        v += step
    return out


def _fmt(v):
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v / 1000:g}K"
    return f"{v:.3g}"


def _panel(c, x0, y0, w, h, title, xlabel, series):
    left, right, top, bottom = x0 + 52, x0 + w - 12, y0 + 28, y0 + h - 34
    c.text(x0 + 52, y0 + 8, title, scale=2)
    pts = [p for s in series for p in s["points"] if math.isfinite(p[1])]
    if not pts:
        return
    xmin, xmax = min(p[0] for p in pts), max(p[0] for p in pts)
    ymin, ymax = min(p[1] for p in pts), max(p[1] for p in pts)
    if xmax == xmin:
        xmax = xmin + 1
    pad = 0.05 * (ymax - ymin or 1.0)
    ymin, ymax = ymin - pad, ymax + pad

    def sx(x):
        return left + (x - xmin) / (xmax - xmin) * (right - left)

    def sy(y):
        return bottom - (y - ymin) / (ymax - ymin) * (bottom - top)

    for t in _ticks(ymin, ymax):
        y = int(sy(t))
        c.line(left, y, right, y, (230, 230, 230))
        c.text(x0 + 4, y - 3, _fmt(t), (80, 80, 80))
    for t in _ticks(xmin, xmax):
        x = int(sx(t))
        c.line(x, top, x, bottom, (230, 230, 230))
        c.text(x - 3 * len(_fmt(t)), bottom + 6, _fmt(t), (80, 80, 80))
    c.line(left, bottom, right, bottom, (0, 0, 0))
    c.line(left, top, left, bottom, (0, 0, 0))
    c.text((left + right) // 2 - 3 * len(xlabel), bottom + 20, xlabel, (60, 60, 60))
    for i, s in enumerate(series):
        color = s.get("color", COLORS[i % len(COLORS)])
        p = [q for q in s["points"] if math.isfinite(q[1])]
        if s.get("style") == "dots":
            for x, y in p:
                c.rect(int(sx(x)) - 2, int(sy(y)) - 2, int(sx(x)) + 3, int(sy(y)) + 3, color)
        else:
            for (xa, ya), (xb, yb) in zip(p, p[1:]):
                c.line(sx(xa), sy(ya), sx(xb), sy(yb), color, thick=2)
        ly = top + 6 + 12 * i
        c.rect(right - 150, ly, right - 138, ly + 7, color)
        c.text(right - 132, ly, s["label"])


def line_plot(path, panels, panel_size=(520, 340)):
    """Write a PNG with one panel per entry of ``panels``.

    Each panel: ``{"title": str, "xlabel": str, "series": [{"label": str,
    "points": [(x, y), ...], "style": "line" | "dots"}]}``.
    """
    pw, ph = panel_size
    c = Canvas(pw * len(panels), ph)
    for i, p in enumerate(panels):
        _panel(c, i * pw, 0, pw, ph, p["title"], p.get("xlabel", "STEP"), p["series"])
    with open(path, "wb") as f:
        f.write(c.png())
