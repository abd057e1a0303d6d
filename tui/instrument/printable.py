"""Text from outside, made safe to draw: control characters shown, not obeyed.

Paths, tour scripts, exception messages and thread names reach the screen
as data. Rich markup is kept out by drawing them as ``rich.text.Text``; this
keeps out the terminal's own controls: an ESC in a caption or a file name
would otherwise reach the terminal and clear the screen (``ESC[2J``) or
retitle the window (``ESC]0;...BEL``), for good after quitting. Every C0
control but newline and tab, DEL, and every C1 control is written as its
``\\x..`` escape, as ``repr`` would. Standard library only.
"""

import re

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters replaced by their ``\\x..`` escapes."""
    return _CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def printable_line(text: str) -> str:
    """As ``printable``, newlines and tabs too: for one-line places."""
    return printable(text).replace("\n", "\\n").replace("\t", " ")
