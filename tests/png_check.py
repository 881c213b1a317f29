#!/usr/bin/env python3
"""png_check.py FILE: is this PNG screenshot a rendered report, not blank?

Decodes the PNG with the standard library only (8-bit RGB or RGBA) and
prints: width height nonwhite_fraction blue_pixels green_pixels.
Exit 0 when the image has text and plots (enough non-white pixels, and the
blue and green marks of the scatter plots), 1 otherwise, 2 if unreadable.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, w = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError('unsupported PNG type %d/%d' % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    try:
        w, h, bpp, rows = decode(sys.argv[1])
    except Exception as e:  # noqa: BLE001
        print('unreadable: %s' % e)
        return 2
    nonwhite = blue = green = 0
    for line in rows:
        for i in range(0, len(line), bpp):
            r, g, b = line[i], line[i + 1], line[i + 2]
            if r < 235 or g < 235 or b < 235:
                nonwhite += 1
            if b > r + 50 and b > g + 20:
                blue += 1
            if g > r + 30 and g > b + 20:
                green += 1
    frac = nonwhite / float(w * h)
    print('%d %d %.4f %d %d' % (w, h, frac, blue, green))
    return 0 if frac > 0.01 and blue > 200 and green > 200 else 1


if __name__ == '__main__':
    sys.exit(main())
