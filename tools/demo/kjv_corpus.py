"""The King James Bible as the demo model's corpus, read from Debian's bible-kjv package.

The text is never copied into the repository: it is read at run time from the installed package
(`apt-get install bible-kjv`, which pulls in bible-kjv-text's /usr/lib/bible.data). The package stores
it compressed, so we ask its own reader, /usr/bin/bible, for every verse of Genesis 1:1 .. Revelation
22:21 with an unlimited line width; engine/demo/kjv_text.cpp parses the same output the same way.

Split rule (the same in engine/demo): a book is HELD OUT when its 1-based canonical index is a multiple
of 10 (2 Samuel, Proverbs, Amos, Matthew, Philippians, 1 Peter): history, wisdom, prophecy, gospel and
epistle are all represented on both sides, and no verse of a held-out book is ever trained on.

Plain-text form of a set of books: every verse's text on its own line, in canonical order, no
references, final newline.
"""
import re
import subprocess

BIBLE_PROGRAM = "/usr/bin/bible"
ALL_VERSES = "Ge1:1-Re22:21"
N_BOOKS = 66


def is_held_out(book_index):
    """book_index is 1-based canonical (Genesis = 1, Revelation = 66)."""
    return book_index % 10 == 0


def read_books(program=BIBLE_PROGRAM):
    """[(book name, [verse text, ...]), ...] in canonical order."""
    out = subprocess.run([program, "-l100000", ALL_VERSES], check=True, capture_output=True).stdout
    text = out.decode("utf-8")
    books = []
    heading = re.compile(r"^(.+) (\d+)$")
    verse = re.compile(r"^ +(\d+) (.*)$")
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = verse.match(line)
        if m:
            books[-1][1].append(m.group(2).strip())
            continue
        m = heading.match(line)
        if not m:
            raise ValueError(f"{program}: unexpected line {line!r}")
        name = m.group(1)
        if not books or books[-1][0] != name:
            books.append((name, []))
    if len(books) != N_BOOKS:
        raise ValueError(f"{program}: expected {N_BOOKS} books, got {len(books)}")
    return books


def split_books(books):
    train = [b for i, b in enumerate(books, 1) if not is_held_out(i)]
    held = [b for i, b in enumerate(books, 1) if is_held_out(i)]
    return train, held


def books_text(books):
    return "".join(v + "\n" for _, verses in books for v in verses)
