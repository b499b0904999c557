"""Mutations of seed sources: the damage real files suffer (half-edited lines, bad merges, wrong encodings)
and the shapes that break parsers (deep nesting, long chains, long lines, huge files, NUL bytes)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from glacierc.fuzzing.chooser import Chooser

_TOKEN = re.compile(r"""\s+|\#[^\n]*|[rRbBuUfF]{0,2}(?:'[^'\n]*'|"[^"\n]*")|\w+|.""", re.DOTALL)
STRAY = ("\u200b", "\u202e", "\ufeff", "\u0301", "\u2028", "\x0c", "\x0b", "\r", "\t", "é", "ℌ", "𝔘", "ﬁ",
         "µ", "中文", "😀", "\\", "\\\n", "'", '"', '"""', "#", ":", "(", ")", "[", "]", "{", "}", "@", ";", "\\N{")
VOCABULARY = ("Provider", "AwsConfig", "GcpConfig", "AzureConfig", "LocalConfig", "LambdaConfig", "S3Config",
              "DatabricksConfig", "LifecycleRule", "bucket", "local", "serverless", "vm", "cluster", "task",
              "pipeline", "depends_on", "retries", "timeout", "config", "path", "format", "name", "scan", "read",
              "write", "get_uri", "os.getenv", "os.environ", "GlacierEnv", "AWSProvider", "None", "True", "1e308",
              "-1", "0", "10**100", "''", "'/'", "'..'", "'\\x00'", "f'{x}'", "lambda: 0", "*args", "**kw",
              "await", "yield", "return", "import", "from", "as", "global", "nonlocal", "del", "class", "def")
#: Letters newer than the Python running the compiler knows (Unicode 15 and 16): LibCST's tokenizer and
#: `str.isidentifier` may disagree about them.
NEW_LETTERS = ("\U0001389d", "\U0001e5d0", "\U00011f04", "\U0001e4d0", "\U00016d40", "\U0001e7e0", "\U00011b00")
#: Escapes that evaluate to lone surrogates (no UTF-8 form), and hostile text for strings that end up in
#: names, paths and messages.
STRING_ESCAPES = ("\\ud800", "\\udfff", "\\udc80", "\\U0001389d", "\\x1b[2J", "\\r\\n::add-mask::x", "*", "..",
                  "/..", "?", "\\\\", "\\x00", "\\u202e", "%0A")
NESTING = (10, 50, 98, 99, 100, 101, 150, 199, 200, 201, 250, 500, 1300, 5000)
CHAINS = (100, 190, 199, 200, 201, 250, 499, 501, 1000, 5000, 20000)


def mutate(text: str, c: Chooser, donors: Sequence[str]) -> bytes:
    """1-4 text mutations, then maybe one byte-level mutation."""
    for _ in range(c.integer(1, 4)):
        operator = c.choice(TEXT_MUTATIONS)
        text = operator(text, c, donors)
    data = text.encode("utf-8", errors="surrogatepass")
    return c.choice(BYTE_MUTATIONS)(data, c) if c.chance(15) else data


def _lines(text: str) -> list[str]:
    return text.split("\n") or [""]


def _pick(c: Chooser, items: Sequence) -> int:
    return c.integer(0, len(items) - 1) if items else 0


def delete_line(text: str, c: Chooser, donors) -> str:
    lines = _lines(text)
    del lines[_pick(c, lines)]
    return "\n".join(lines)


def duplicate_line(text: str, c: Chooser, donors) -> str:
    lines = _lines(text)
    at = _pick(c, lines)
    return "\n".join(lines[:at + 1] + lines[at:at + c.integer(1, 8)] + lines[at + 1:])


def swap_lines(text: str, c: Chooser, donors) -> str:
    lines = _lines(text)
    a, b = _pick(c, lines), _pick(c, lines)
    lines[a], lines[b] = lines[b], lines[a]
    return "\n".join(lines)


def splice(text: str, c: Chooser, donors) -> str:
    """Lines from another seed, as a bad merge would leave them."""
    donor = _lines(c.choice(donors)) if donors else _lines(text)
    start = _pick(c, donor)
    lines = _lines(text)
    at = _pick(c, lines)
    return "\n".join(lines[:at] + donor[start:start + c.integer(1, 30)] + lines[at:])


def truncate(text: str, c: Chooser, donors) -> str:
    return text[:c.integer(0, len(text))]


def reindent(text: str, c: Chooser, donors) -> str:
    lines = _lines(text)
    at = _pick(c, lines)
    lines[at] = c.choice(("", " ", "    ", "\t", " \t", "        ")) + lines[at].lstrip(" \t")
    if c.chance(20):
        lines = [line.replace("    ", "\t") for line in lines]
    return "\n".join(lines)


def token_edit(text: str, c: Chooser, donors) -> str:
    tokens = _TOKEN.findall(text)
    solid = [i for i, t in enumerate(tokens) if not t.isspace()] or [0]
    i, j = c.choice(solid), c.choice(solid)
    if not tokens:
        return c.choice(VOCABULARY)
    action = c.integer(0, 3)
    if action == 0:
        del tokens[i]
    elif action == 1:
        tokens.insert(i, tokens[i] + c.choice(("", " ", ",")))
    elif action == 2:
        tokens[i], tokens[j] = tokens[j], tokens[i]
    else:
        tokens[i] = c.choice(VOCABULARY) if c.chance(70) else c.choice(_TOKEN.findall(c.choice(donors) or "x") or ["x"])
    return "".join(tokens)


def stray(text: str, c: Chooser, donors) -> str:
    at = c.integer(0, len(text))
    return text[:at] + c.choice(STRAY) * c.integer(1, 3) + text[at:]


def new_identifier(text: str, c: Chooser, donors) -> str:
    """Rename one identifier to one holding a letter of the newest Unicode."""
    names = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", text))) or ["x"]
    name = c.choice(names)
    letter = c.choice(NEW_LETTERS)
    renamed = letter + name if c.chance(50) else name + letter
    return re.sub(rf"\b{re.escape(name)}\b", renamed, text, count=c.integer(1, 3))


def string_escape(text: str, c: Chooser, donors) -> str:
    """Put a surrogate escape, a control escape or a wildcard inside one string literal."""
    literals = [m for m in re.finditer(r"""(['"])[^'"\n\\]*\1""", text)]
    if not literals:
        return text + f'\nx = "{c.choice(STRING_ESCAPES)}"\n'
    literal = c.choice(literals)
    at = c.integer(literal.start() + 1, literal.end() - 1)
    return text[:at] + c.choice(STRING_ESCAPES) + text[at:]


def nest(text: str, c: Chooser, donors) -> str:
    depth = c.choice(NESTING)
    kind = c.integer(0, 3)
    if kind == 3:  # blocks: `if x:` inside `if x:` ...
        body = "".join("    " * level + "if x:\n" for level in range(min(depth, 120)))
        return text + "\n" + body + "    " * min(depth, 120) + "pass\n"
    opening, closing = (("(", ")"), ("[", "]"), ("f(", ")"))[kind]
    lines = _lines(text)
    at = _pick(c, lines)
    expression = opening * depth + "raw" + closing * depth
    lines.insert(at, f"deep = {expression}")
    return "\n".join(lines)


def chain(text: str, c: Chooser, donors) -> str:
    """Operator chains nest as deeply as brackets, without a single bracket."""
    count = c.choice(CHAINS)
    shapes = (lambda n: "1" + " + 1" * n, lambda n: "a" + ".b" * n, lambda n: "f" + "()" * n,
              lambda n: "a" + "[0]" * n, lambda n: "x" + " and x" * n, lambda n: "1" + " if x else 1" * n,
              lambda n: "'a'" + " 'a'" * n, lambda n: "not " * n + "x", lambda n: "-" * n + "1",
              lambda n: "lambda: " * n + "0", lambda n: "x\nif x:\n    pass" + "\nelif x:\n    pass" * n)
    return text + "\nvalue = " + c.choice(shapes)(count) + "\n"


def long_line(text: str, c: Chooser, donors) -> str:
    size = c.choice((1_000, 70_000, 300_000))
    piece = c.choice(("'" + "a" * size + "'", "a" * size, "# " + "x" * size, "[" + "1," * (size // 2) + "]"))
    lines = _lines(text)
    lines.insert(_pick(c, lines), f"long = {piece}")
    return "\n".join(lines)


def grow(text: str, c: Chooser, donors) -> str:
    """Huge files: past the size limit (cheap) or well below it (slow to parse, so rarer and smaller)."""
    target = c.choice((6_000_000,) * 3 + (100_000,))
    unit = text or "x = 1\n"
    return unit * (target // max(len(unit), 1) + 1)


def _bytes_nul(data: bytes, c: Chooser) -> bytes:
    at = c.integer(0, len(data))
    return data[:at] + b"\0" + data[at:]


def _bytes_invalid(data: bytes, c: Chooser) -> bytes:
    at = c.integer(0, len(data))
    return data[:at] + c.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\xf4\x90\x80\x80")) + data[at:]


def _bytes_encoding(data: bytes, c: Chooser) -> bytes:
    cookie = c.choice((b"latin-1", b"utf-8", b"utf-16", b"klingon", b"ascii", b"cp1252", b"utf-8-sig", b"rot13"))
    header = b"# -*- coding: " + cookie + b" -*-\n"
    return (b"\xef\xbb\xbf" if c.chance(30) else b"") + header + data


def _bytes_newlines(data: bytes, c: Chooser) -> bytes:
    return data.replace(b"\n", c.choice((b"\r\n", b"\r", b"\n\r", b"\x0c\n")))


def _bytes_utf16(data: bytes, c: Chooser) -> bytes:
    return data.decode("utf-8", errors="replace").encode(c.choice(("utf-16", "utf-32", "utf-16-le")))


Mutation = Callable[[str, Chooser, Sequence[str]], str]
TEXT_MUTATIONS: tuple[Mutation, ...] = (
    (delete_line,) * 6 + (duplicate_line,) * 4 + (swap_lines,) * 4 + (splice,) * 4 + (truncate,) * 3
    + (reindent,) * 3 + (token_edit,) * 12 + (stray,) * 4 + (nest,) + (chain,) + (long_line,)
    + (new_identifier,) * 2 + (string_escape,) * 4)
BYTE_MUTATIONS = (_bytes_nul, _bytes_invalid, _bytes_encoding, _bytes_newlines, _bytes_utf16)
