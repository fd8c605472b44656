"""Byte-pair encoding: a fast trainer and an encoder that matches @huggingface/tokenizers.

Trainer: pre-tokens are counted once; merges then update pair counts incrementally through an
index pair -> words holding it, and a max-heap with lazy invalidation (a popped entry whose
count is stale is pushed back with the current count). Only words that hold the merged pair are
touched, so a merge costs O(affected words), not O(corpus).

Encoder: per pre-token, repeatedly merge the adjacent pair with the lowest merge rank, leftmost
first on ties. That is the order the JS BPE model's priority queue produces (score = rank +
position / length), so ids agree exactly.
"""
import heapq
import multiprocessing
from collections import Counter

from .pretokenize import bytes_to_unicode, gpt2_split, to_byte_chars


def _pair_counts_of(word):
    return zip(word, word[1:])


def train_bpe(word_counts: dict, alphabet: list, num_merges: int, min_pair_count: int = 2,
              progress=None) -> list:
    """Learns up to num_merges merges over words given as {tuple_of_symbols: count}.

    alphabet lists the initial symbols (their order fixes symbol ids, hence tie-breaking).
    Ties between equally frequent pairs go to the pair whose symbols were created first.
    Returns merges as (left, right) string pairs, in rank order.
    """
    symbols = list(alphabet)
    symbol_id = {s: i for i, s in enumerate(symbols)}
    words = []
    freqs = []
    for word, count in word_counts.items():
        if len(word) < 2:
            continue
        words.append([symbol_id[s] for s in word])
        freqs.append(count)

    pair_count = Counter()
    pair_words = {}
    for index, (word, freq) in enumerate(zip(words, freqs)):
        for pair in _pair_counts_of(word):
            pair_count[pair] += freq
            pair_words.setdefault(pair, set()).add(index)
    heap = [(-count, pair) for pair, count in pair_count.items()]
    heapq.heapify(heap)

    merges = []
    while heap and len(merges) < num_merges:
        negative, pair = heapq.heappop(heap)
        current = pair_count.get(pair, 0)
        if -negative != current:
            if current > 0:
                heapq.heappush(heap, (-current, pair))
            continue
        if current < min_pair_count:
            break
        left, right = pair
        new_id = len(symbols)
        symbols.append(symbols[left] + symbols[right])
        merges.append((symbols[left], symbols[right]))
        touched = set()
        for index in pair_words.pop(pair, ()):
            word = words[index]
            if not any(a == left and b == right for a, b in _pair_counts_of(word)):
                continue  # stale index entry: an earlier merge already consumed this pair
            freq = freqs[index]
            for old in _pair_counts_of(word):
                pair_count[old] -= freq
            merged = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == left and word[i + 1] == right:
                    merged.append(new_id)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            words[index] = merged
            for new in _pair_counts_of(merged):
                pair_count[new] += freq
                if new_id in new:
                    touched.add(new)
                    pair_words.setdefault(new, set()).add(index)
        del pair_count[pair]
        for new in touched:
            heapq.heappush(heap, (-pair_count[new], new))
        if progress and len(merges) % 1000 == 0:
            progress(len(merges), current)
    return merges


def _count_chunk(chunk: str) -> Counter:
    return Counter(gpt2_split(chunk))


def count_pretokens(text: str, processes: int = 2, chunk_chars: int = 1 << 20) -> Counter:
    """Counts GPT-2 pre-tokens of text. Chunks end at newlines so splits match a whole-text pass
    except at the (rare) chunk seams."""
    chunks = []
    start = 0
    while start < len(text):
        end = min(len(text), start + chunk_chars)
        newline = text.rfind("\n", start, end)
        if end < len(text) and newline > start:
            end = newline + 1
        chunks.append(text[start:end])
        start = end
    counts = Counter()
    if processes > 1 and len(chunks) > 1:
        with multiprocessing.Pool(processes) as pool:
            for part in pool.imap_unordered(_count_chunk, chunks, chunksize=4):
                counts.update(part)
    else:
        for chunk in chunks:
            counts.update(_count_chunk(chunk))
    return counts


def train_bytelevel_bpe(text: str, vocab_size: int, special_tokens=("<|endoftext|>",),
                        processes: int = 2, progress=None):
    """Trains a GPT-2-style byte-level BPE. Returns (vocab {token: id}, merges [(a, b)]).

    Ids: the 256 byte symbols in GPT-2 order, then one per merge, then the special tokens last.
    """
    byte_alphabet = list(bytes_to_unicode().values())
    pretokens = count_pretokens(text, processes)
    word_counts = Counter()
    for piece, count in pretokens.items():
        word_counts[tuple(to_byte_chars(piece))] += count
    num_merges = vocab_size - len(byte_alphabet) - len(special_tokens)
    merges = train_bpe(word_counts, byte_alphabet, num_merges, progress=progress)
    vocab = {symbol: i for i, symbol in enumerate(byte_alphabet)}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    for token in special_tokens:
        vocab[token] = len(vocab)
    return vocab, merges


class BpeModel:
    """Applies merges the way the JS BPE model does (lowest rank first, leftmost on ties)."""

    def __init__(self, vocab: dict, merges: list):
        self.vocab = vocab
        self.ranks = {tuple(pair): rank for rank, pair in enumerate(merges)}
        self._cache = {}

    def split(self, word: str) -> list:
        """The BPE pieces (strings) of one pre-token."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = list(word)
        ranks = self.ranks
        while len(parts) > 1:
            best = None
            best_rank = None
            for i in range(len(parts) - 1):
                rank = ranks.get((parts[i], parts[i + 1]))
                if rank is not None and (best_rank is None or rank < best_rank):
                    best, best_rank = i, rank
            if best is None:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        if len(self._cache) < 200_000:
            self._cache[word] = parts
        return parts


class ByteLevelBpeTokenizer:
    """Document encoder for a byte-level BPE tokenizer.json. Special-token strings in the text are
    plain text (as the project's document tokenizer treats them)."""

    def __init__(self, vocab: dict, merges: list):
        self.model = BpeModel(vocab, merges)
        self.vocab = vocab

    def encode(self, text: str) -> list:
        ids = []
        for piece in gpt2_split(text):
            for token in self.model.split(to_byte_chars(piece)):
                ids.append(self.vocab[token])
        return ids


def write_bytelevel_tokenizer_json(path, vocab: dict, merges: list, special_tokens=("<|endoftext|>",)):
    """Writes a Hugging Face tokenizer.json for a GPT-2-style byte-level BPE."""
    from .tokenizer_json import bytelevel_tokenizer_json, write_json
    write_json(path, bytelevel_tokenizer_json(vocab, merges, special_tokens))
