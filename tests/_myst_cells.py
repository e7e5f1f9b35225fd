"""Code shown by the book's MyST pages, read from their sources (no build needed).

A page shows code in ``{code-cell}`` cells (run at build time) and in plain fenced blocks
(```` ```python ````, ```` ```bash ````). Directives such as ``{note}`` or ``{math}`` are not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
#: Info strings of fenced blocks whose body the reader sees as code.
CODE_LANGUAGES = {"", "python", "python3", "ipython", "ipython3", "bash", "sh", "shell",
                  "console", "text", "yaml", "toml", "json", "ini", "cfg"}


@dataclass
class CodeBlock:
    """One block of code on a page: where it starts, what kind, its options and its lines."""

    path: Path
    line: int  # 1-based line of the opening fence
    kind: str  # "code-cell" or the fence's language
    options: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        raw = self.options.get("tags", "")
        return re.findall(r"[\w-]+", raw) if isinstance(raw, str) else list(raw)

    @property
    def shown(self) -> bool:
        """Does the reader see this code on the page (not removed by a tag)?"""
        return not {"remove-input", "remove-cell"} & set(self.tags)


def _options(body: list[str]) -> tuple[dict, list[str]]:
    """Split a directive body into its ``:key: value`` (or ``---`` YAML) options and content."""
    options, i = {}, 0
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), 0)
        for line in body[1:end]:
            key, _, value = line.partition(":")
            if not line.startswith(" ") and key.strip():
                options[key.strip()] = value.strip()
        return options, body[end + 1:]
    while i < len(body) and body[i].startswith(":"):
        match = re.match(r"^:([\w-]+):\s*(.*)$", body[i])
        if match:
            options[match.group(1)] = match.group(2)
        i += 1
    return options, body[i:]


def code_blocks(path: Path) -> list[CodeBlock]:
    """Every block of code a MyST page shows or runs, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    open_directives = []  # fences of directives ({note}, {exercise}, ...) we are inside
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group("fence"), match.group("info").strip()
        if not info and open_directives and fence == open_directives[-1]:
            open_directives.pop()  # the end of an enclosing directive
            i += 1
            continue
        directive = re.match(r"^\{([\w:-]+)\}", info)
        if directive is not None and directive.group(1) != "code-cell":
            open_directives.append(fence)  # it may hold code blocks: look inside it
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].strip() == fence), len(lines))
        body = lines[i + 1:end]
        if directive is not None:
            options, content = _options(body)
            blocks.append(CodeBlock(path, i + 1, "code-cell", options, content))
        elif info.split(" ")[0].lower() in CODE_LANGUAGES:
            blocks.append(CodeBlock(path, i + 1, info.split(" ")[0].lower() or "text", {}, body))
        i = end + 1
    return blocks
