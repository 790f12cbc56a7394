"""A SentencePiece-style ("llama") vocabulary learned by BPE, and the tokenizer llama.cpp runs on it.

Learning: byte-pair merges over the training text cut into chunks that never cross a word start
(a chunk begins at each U+2581 that stands for a space, and every "\n" is a chunk of its own), so no
learned piece spans two words. Each merge's result becomes a piece scored -rank (earlier merges score
higher).

Tokenizing (`SpmTokenizer.encode`) is NOT BPE replay: it is llama.cpp's llm_tokenizer_spm algorithm
(split into UTF-8 characters, repeatedly merge the adjacent pair whose concatenation is a piece with the
highest score, leftmost on ties; symbols that are not pieces fall back to <0xXX> byte tokens). Because
pieces never contain a word start except at their beginning and never contain "\n", running it chunk by
chunk (cached) gives the same tokens as running it over the whole text, and the same tokens as our
engine and llama.cpp. Spaces become U+2581 and one U+2581 is prepended to the text
(add_space_prefix), as llama.cpp does for this vocabulary.

Vocabulary layout: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then the training text's characters
(most frequent first), then merge results in merge order.
"""
import collections
import heapq
import json

SPACE = "\u2581"
TYPE_NORMAL, TYPE_UNKNOWN, TYPE_CONTROL, TYPE_BYTE = 1, 2, 3, 6


def escape(text):
    return SPACE + text.replace(" ", SPACE)


def chunks(escaped):
    """Cuts escaped text before every U+2581 and around every newline."""
    out, cur = [], []
    for ch in escaped:
        if ch == "\n":
            if cur:
                out.append("".join(cur))
                cur = []
            out.append("\n")
        elif ch == SPACE and cur:
            out.append("".join(cur))
            cur = [ch]
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def learn(text, vocab_size):
    """Returns (pieces, scores, types) of exactly vocab_size entries."""
    pieces = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [TYPE_UNKNOWN, TYPE_CONTROL, TYPE_CONTROL] + [TYPE_BYTE] * 256
    scores = [0.0] * len(pieces)
    word_freq = collections.Counter(c for c in chunks(escape(text)) if c != "\n")
    char_freq = collections.Counter()
    for w, f in word_freq.items():
        for ch in w:
            char_freq[ch] += f
    chars = [c for c, _ in sorted(char_freq.items(), key=lambda x: (-x[1], x[0]))]
    n_merges = vocab_size - len(pieces) - len(chars)
    if n_merges <= 0:
        raise ValueError("vocab_size too small for the character set")
    # Characters score below every merge: they are never a merge result, the value only orders them.
    for i, c in enumerate(chars):
        pieces.append(c)
        types.append(TYPE_NORMAL)
        scores.append(float(-(n_merges + 1 + i)))
    known = set(pieces)

    words = [list(w) for w in word_freq]
    freqs = list(word_freq.values())
    pair_count = collections.Counter()
    pair_words = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += freqs[wi]
            pair_words[(a, b)].add(wi)

    rank = 0
    while rank < n_merges:
        if not pair_count:
            raise ValueError("ran out of pairs before reaching vocab_size")
        best = max(pair_count.items(), key=lambda x: (x[1], x[0]))[0]
        merged = best[0] + best[1]
        for wi in list(pair_words[best]):
            w, f = words[wi], freqs[wi]
            for a, b in zip(w, w[1:]):
                pair_count[(a, b)] -= f
                if pair_count[(a, b)] <= 0:
                    del pair_count[(a, b)]
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == best[0] and w[i + 1] == best[1]:
                    out.append(merged)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for a, b in zip(out, out[1:]):
                pair_count[(a, b)] += f
                pair_words[(a, b)].add(wi)
        pair_count.pop(best, None)
        if merged not in known:  # the same string reached by another split is one piece
            known.add(merged)
            pieces.append(merged)
            types.append(TYPE_NORMAL)
            scores.append(float(-rank))
            rank += 1
    return pieces, scores, types


class SpmTokenizer:
    def __init__(self, pieces, scores, types):
        self.pieces, self.scores, self.types = pieces, scores, types
        self.index = {p: i for i, p in enumerate(pieces) if types[i] == TYPE_NORMAL}
        self.byte_id = {int(p[3:5], 16): i for i, p in enumerate(pieces) if types[i] == TYPE_BYTE}
        self.bos, self.eos, self.unk = 1, 2, 0
        self.cache = {}

    def _encode_chunk(self, chunk):
        syms = list(chunk)  # UTF-8 characters
        n = len(syms)
        prev = list(range(-1, n - 1))
        nxt = list(range(1, n + 1))
        alive = [True] * n
        heap = []

        def push(left, right):
            if left < 0 or right >= n:
                return
            tid = self.index.get(syms[left] + syms[right])
            if tid is not None:
                # llama.cpp's queue: highest score first, then the leftmost
                heapq.heappush(heap, (-self.scores[tid], left, right, len(syms[left]) + len(syms[right])))

        for i in range(n - 1):
            push(i, i + 1)
        while heap:
            _, left, right, size = heapq.heappop(heap)
            if not alive[left] or not alive[right] or nxt[left] != right or len(syms[left]) + len(syms[right]) != size:
                continue
            syms[left] = syms[left] + syms[right]
            alive[right] = False
            nxt[left] = nxt[right]
            if nxt[right] < n:
                prev[nxt[right]] = left
            push(prev[left], left)
            push(left, nxt[left])
        out = []
        i = 0
        while i < n:
            tid = self.index.get(syms[i])
            if tid is not None:
                out.append(tid)
            else:
                out.extend(self.byte_id[b] for b in syms[i].encode("utf-8"))
            i = nxt[i]
        return out

    def encode(self, text, add_bos=True):
        ids = [self.bos] if add_bos else []
        for c in chunks(escape(text)):
            t = self.cache.get(c)
            if t is None:
                t = self._encode_chunk(c)
                self.cache[c] = t
            ids.extend(t)
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            if self.types[i] == TYPE_BYTE:
                out.append(int(self.pieces[i][3:5], 16))
            elif self.types[i] == TYPE_NORMAL:
                out += self.pieces[i].replace(SPACE, " ").encode("utf-8")
        s = out.decode("utf-8", errors="replace")
        return s[1:] if s.startswith(" ") else s

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"pieces": self.pieces, "scores": self.scores, "types": self.types}, f)

    @staticmethod
    def load(path):
        with open(path) as f:
            d = json.load(f)
        return SpmTokenizer(d["pieces"], d["scores"], d["types"])
