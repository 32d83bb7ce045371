"""The size and frame rate of a GIF, read from the file itself (what the gallery labels it with):
the logical screen's width and height, and the delay of the first frame's graphic control
extension. Pure Python, no ffprobe: the gallery's key does not reach the render tools."""

from __future__ import annotations

from pathlib import Path


def _skip_sub_blocks(data: bytes, i: int) -> int:
    while data[i]:
        i += data[i] + 1
    return i + 1


def gif_info(path: Path) -> dict:
    """``{"width", "height", "fps"}`` of the GIF at ``path``; a clear error if it is not one.

    >>> import tempfile, PIL.Image
    >>> f = Path(tempfile.mkdtemp()) / "a.gif"
    >>> frames = [PIL.Image.new("L", (64, 36), 100 * i) for i in range(3)]
    >>> frames[0].save(f, save_all=True, append_images=frames[1:], duration=100, loop=0)
    >>> gif_info(f)
    {'width': 64, 'height': 36, 'fps': 10.0}
    """
    data = Path(path).read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise ValueError(f"{path} is not a GIF (it starts with {data[:6]!r})")
    width, height, packed = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little"), data[10]
    i = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)  # after the global colour table
    while i < len(data) and data[i] != 0x3B:  # 0x3B: the trailer
        if data[i] == 0x21 and data[i + 1] == 0xF9:  # graphic control extension: the frame's delay
            delay = int.from_bytes(data[i + 4 : i + 6], "little")  # hundredths of a second
            return {"width": width, "height": height, "fps": round(100 / delay, 2) if delay else None}
        if data[i] == 0x21:  # another extension
            i = _skip_sub_blocks(data, i + 2)
        elif data[i] == 0x2C:  # an image: descriptor, local colour table, LZW code size, data
            flags = data[i + 9]
            i += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
            i = _skip_sub_blocks(data, i + 1)
        else:
            raise ValueError(f"{path}: unexpected GIF block 0x{data[i]:02x} at byte {i}")
    return {"width": width, "height": height, "fps": None}
