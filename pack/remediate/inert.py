"""Hostile text made inert: control characters and terminal escapes become visible escapes.

Alert labels, annotations, log lines and command output come from outside. A raw ESC
sequence can recolour or rewrite what an approver's terminal shows; a newline in a label
can forge a line ("pre-approved by …") above the real proposal; a bidirectional override
can make ``restart nginx`` display as something else. At intake every such character
becomes a visible ``\\xNN``/``\\uNNNN`` escape (newlines and tabs survive only where text
is multi-line by nature), and every rendering quotes outside text so that it can never
pass for our own lines.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
_KEEP_MULTILINE = frozenset("\n\t")
# Fast path: plain printable ASCII (and newline/tab) needs no per-character look-up.
_PLAIN = re.compile(r"[\x20-\x7e\n\t]*")


def inert(text: str, *, multiline: bool = False) -> str:
    """``text`` with every control, format and separator character escaped visibly."""
    if _PLAIN.fullmatch(text) and (multiline or ("\n" not in text and "\t" not in text)):
        return text
    out = []
    for char in text.replace("\r\n", "\n"):
        if multiline and char in _KEEP_MULTILINE:
            out.append(char)
        elif unicodedata.category(char) in _UNSAFE_CATEGORIES:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def quoted(text: str, prefix: str = "  | ") -> str:
    """Outside text as a quoted block: every line carries ``prefix``, so no line of it can
    look like one of ours (a forged "approved by" line stays visibly inside the quote)."""
    lines = inert(text, multiline=True).splitlines() or [""]
    return "\n".join(prefix + line for line in lines)
