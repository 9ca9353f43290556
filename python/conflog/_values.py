"""Values that are safe to log publicly: Mask, Pseudonym, Shape, log_args.

Each is a str computed at construction from what it needs, so it is safe
with any handler, formatter or f-string, and keeps nothing of its argument.
"""

import collections.abc
import hashlib
import hmac
import logging
import re
import secrets
import threading

from ._category import DataCategory
from ._line import escape
from ._trace import SCRUBBED, named_by_code

_key = None
_key_set = False  # whether _key was set by set_key, not drawn at random
_key_lock = threading.Lock()
MIN_KEY = 16


def set_key(key):
    """Sets the process's Pseudonym key: bytes, at least 16 of them (the Go
    handler's Options.Key and ``conflog redact --key-file`` take the same
    bytes, so tokens match across languages)."""
    global _key, _key_set
    if isinstance(key, str):
        raise TypeError("conflog: key must be bytes (read it with conflog.load_key), not str")
    key = bytes(key)
    if len(key) < MIN_KEY:
        raise ValueError("conflog: key too short: %d bytes, want at least %d" % (len(key), MIN_KEY))
    with _key_lock:
        _key = key
        _key_set = True


def explicit_key():
    """The key set_key (or enable(key=...)) set, or None (none, or only
    the random one drawn by _process_key)."""
    with _key_lock:
        return _key if _key_set else None


def load_key(path):
    """Reads a key file (its raw bytes, as ``conflog redact --key-file``)."""
    with open(path, "rb") as f:
        key = f.read()
    if len(key) < MIN_KEY:
        raise ValueError("conflog: key file %s: key too short: %d bytes, want at least %d" % (path, len(key), MIN_KEY))
    return key


def _process_key():
    global _key
    with _key_lock:
        if _key is None:
            _key = secrets.token_bytes(32)  # as Go's processKey: tokens correlate within this run only
        return _key


class Mask(str):
    """Mask(s, keep_last) logs s with every character but the last keep_last
    replaced by '*': Mask("4111111111111111", 4) is "************1111". If s
    has no more than keep_last characters, all of it is masked."""

    __slots__ = ()

    def __new__(cls, s, keep_last=0):
        s = str(s)
        keep = max(int(keep_last), 0)
        if keep >= len(s):
            keep = 0
        return super().__new__(cls, escape("*" * (len(s) - keep) + s[len(s) - keep:]))

    def __repr__(self):
        return str.__repr__(self)


class Pseudonym(str):
    """Pseudonym(s) logs as a stable token for s: "pn:" and 16 hex digits of
    HMAC-SHA256(key, s), the key being enable(key=...)'s (else a random key
    drawn once per process). The token is the Go conflog.Pseudonym's for the
    same key and bytes: s is encoded as UTF-8 (undecodable bytes carried as
    surrogates go back to their bytes); bytes are used as they are."""

    __slots__ = ()

    def __new__(cls, s, key=None):
        data = s if isinstance(s, (bytes, bytearray)) else str(s).encode("utf-8", "surrogateescape")
        k = _process_key() if key is None else bytes(key)
        return super().__new__(cls, "pn:" + hmac.new(k, bytes(data), hashlib.sha256).hexdigest()[:16])

    def __repr__(self):
        return str.__repr__(self)


_DTYPE = re.compile(r"[\w.<>|\[\], :]{1,64}")
_BUILTIN_SIZED = (str, bytes, bytearray, list, tuple, dict, set, frozenset, range, memoryview,
                  collections.abc.Mapping, collections.abc.Sequence, collections.abc.Set)


def _type_name(v):
    t = type(v)
    mod = getattr(t, "__module__", "") or ""
    if not named_by_code(t, mod, getattr(t, "__qualname__", None)):
        return SCRUBBED  # a class made by type() with a name from data
    if mod == "builtins":
        return t.__qualname__
    # numpy.ndarray, pandas.DataFrame, torch.Tensor: the top package and the
    # class, as users write them, not pandas.core.frame.DataFrame.
    return mod.split(".")[0] + "." + t.__qualname__


def _dims(shape):
    try:
        return "[" + " ".join(str(int(d)) for d in tuple(shape)) + "]"
    except Exception:
        return None


def _dtype(dtype):
    if getattr(dtype, "names", None):
        return "structured"  # a numpy record dtype: its field names are a schema we do not print
    text = str(dtype)
    return text if _DTYPE.fullmatch(text) else "[scrubbed]"


def _shape(v):
    if v is None:
        return "None"
    name = _type_name(v)
    shape = getattr(v, "shape", None) if not isinstance(v, type) else None
    if shape is not None:
        dims = _dims(shape)
        if dims is not None:
            out = name + " shape=" + dims
            dtype = getattr(v, "dtype", None)
            if dtype is not None:
                return out + " dtype=" + _dtype(dtype)
            dtypes = getattr(v, "dtypes", None)  # a DataFrame: counts per dtype, no column names
            if dtypes is not None:
                try:
                    counts = collections.Counter(_dtype(d) for d in list(dtypes))
                    return out + " dtypes=" + ",".join("%s:%d" % kv for kv in sorted(counts.items()))
                except Exception:
                    pass
            return out
    if isinstance(v, _BUILTIN_SIZED):
        try:
            return "%s len=%d" % (name, len(v))
        except Exception:
            pass
    return name


class Shape(str):
    """Shape(v) logs the type and size of v and nothing of its contents:
    "str len=12", "list len=3", "numpy.ndarray shape=[32 3 224 224]
    dtype=float32", "torch.Tensor shape=[8 16] dtype=torch.float32",
    "pandas.DataFrame shape=[100 4] dtypes=float64:3,int64:1". It reads the
    shape and dtype attributes, so it imports none of those libraries."""

    __slots__ = ()

    def __new__(cls, v):
        try:
            text = _shape(v)
        except Exception:
            text = "[scrubbed]"
        return super().__new__(cls, escape(text))

    def __repr__(self):
        return str.__repr__(self)


def log_args(logger, namespace, public=(), level=logging.INFO):
    """Logs an argparse.Namespace (or any object with attributes, or a dict)
    as two records, like Go's LogFlags: the arguments named in public as a
    public record "args", all the others as a private record "args". A name in
    public that the namespace does not have gets a public warning."""
    if isinstance(public, (str, bytes)):
        public = (public,)  # one name: a string's `in` would match its substrings ("data" in "metadata")
    public = frozenset(public)
    items = sorted((namespace if isinstance(namespace, dict) else vars(namespace)).items())
    pub = [(k, v) for k, v in items if k in public]
    priv = [(k, v) for k, v in items if k not in public]

    def fmt(pairs):
        return " ".join("%s=%s" % (k, v) for k, v in pairs)

    if pub:
        logger.log(level, "args %s", fmt(pub), category=DataCategory.ONLY_PUBLIC_DATA, stacklevel=2)
    if priv:
        logger.log(level, "args %s", fmt(priv), stacklevel=2)
    names = {k for k, _ in items}
    for name in sorted(public, key=str):
        if name not in names:
            logger.warning("log_args: no such argument: %s", name, category=DataCategory.ONLY_PUBLIC_DATA, stacklevel=2)
