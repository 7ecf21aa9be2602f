"""The shared index on Redis, for fleets of scrapers on many machines.

Every add is one Lua script run on the server: it finds the candidates of the document's
LSH bands, verifies them with the exact Jaccard similarity of the shingle sets, and either
reports the duplicate or records the document, atomically. N processes adding the same
story at once therefore keep exactly one. A batch (``add_many``) is one pipelined round
trip. Keys live under ``{namespace}:``; ``{namespace}:params`` holds the parameter header,
and an index is refused when its header differs from ours.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import shlex
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .._clean import Cleaner
from .._errors import IndexFileError, IndexUnavailableError, OptionsError, SketchMismatchError
from .._redact import redact, written_password
from .._similarity.hashing import paragraph_hash
from .._text.normalize import key
from ._base import AddResult, Index, Match, check_age, seen_time, unnamed
from ._fingerprint import (
    Fingerprint,
    IndexParams,
    as_fingerprint,
    check_fingerprints,
    check_ids,
)

# The layout (docs/index-format.md): a document is recorded under a sequence number (SEQ
# bytes, little-endian), {prefix}:ids mapping it to the id; {prefix}:doc:ID holds the
# number and the shingles (uint32 LE, sorted), {prefix}:bands:ID its band keys (8 bytes
# each, big-endian), {prefix}:digest:ID and {prefix}:paras:ID the body's digest and
# paragraph hashes. An LSH bucket is a field of a hash shared by many buckets,
# {prefix}:bkt:SHARD (SHARD: the band key's top 16 bits, 4 hex digits): field the band key,
# value the sequence numbers of its documents. Small hashes are stored compactly by
# Redis (listpack), where a key of its own per bucket cost ~190 bytes.
_LAYOUT = r"""
local SEQ = 5
local function bucket(P, band)
  return P .. ':bkt:' .. string.format('%02x%02x', string.byte(band, 1, 2))  -- (format: twice as fast as a number's ..)
end
-- Forget a recorded document (false if there is none): its buckets, paragraph counts,
-- time, number and keys.
local function forget(P, id)
  local doc = redis.call('GET', P .. ':doc:' .. id)
  if not doc then return false end
  local s = string.sub(doc, 1, SEQ)
  local bands = redis.call('GET', P .. ':bands:' .. id) or ''
  for at = 1, #bands - 7, 8 do
    local band = string.sub(bands, at, at + 7)
    local key = bucket(P, band)
    local members = redis.call('HGET', key, band) or ''
    for m = 1, #members, SEQ do
      if string.sub(members, m, m + SEQ - 1) == s then
        members = string.sub(members, 1, m - 1) .. string.sub(members, m + SEQ)
        if members == '' then redis.call('HDEL', key, band) else redis.call('HSET', key, band, members) end
        break
      end
    end
  end
  for para in string.gmatch(redis.call('GET', P .. ':paras:' .. id) or '', '%S+') do
    if tonumber(redis.call('ZINCRBY', P .. ':para', -1, para)) <= 0 then redis.call('ZREM', P .. ':para', para) end
  end
  redis.call('HDEL', P .. ':ids', s)
  redis.call('ZREM', P .. ':seen', id)
  redis.call('DEL', P .. ':doc:' .. id, P .. ':digest:' .. id, P .. ':bands:' .. id, P .. ':paras:' .. id)
  redis.call('DECR', P .. ':count')
  return true
end
"""

# ARGV: prefix, id, mode ("add" or "query"), the call's token, shingles (uint32 LE,
# sorted), the rule's threshold, containment and min_ratio, the body's digest, the band
# keys (8 bytes each), the time of first sight (seconds since the epoch), then the
# paragraph hashes. The rule is IndexParams.matches; an id already indexed with the same
# digest is a repeat, with another digest an update (replaced unless the new body is a copy
# of another document). "query" returns every match ({'matches', id, inter, union, seq,
# id, ...}), the client orders them. {prefix}:seen is a sorted set: id -> time of first
# sight, for expire. An add whose token was cancelled ({prefix}:cancelled:TOKEN, set by
# _TAKE_BACK when the client gave up waiting for the call) records nothing.
_ADD = (
    _LAYOUT
    + r"""
local P, id, mode, token, blob = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local thr, cont, ratio, digest = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local bands = ARGV[10]
local old = nil
if mode == 'add' and redis.call('EXISTS', P .. ':cancelled:' .. token) == 1 then
  return {'cancelled', id, 0, 0}
end
if redis.call('EXISTS', P .. ':params') == 0 then
  -- (the server was flushed, or replaced by an empty one, while this client ran: what it
  -- would record here would be a namespace without parameters, which no client checks)
  return redis.error_reply('the namespace ' .. P .. ' has no parameters any more (' .. P ..
    ':params is gone: was the server flushed or replaced?); nothing was recorded')
end
if mode == 'add' and redis.call('EXISTS', P .. ':doc:' .. id) == 1 then
  if redis.call('GET', P .. ':digest:' .. id) == digest then
    return {'repeat', id, 1, 1}
  end
  old = id
end
-- Unpacked 2,000 at a time: far faster than a call of struct.unpack a value.
local function shingles(packed, from, count)
  local out = {}
  for first = 1, count, 2000 do
    local c = math.min(2000, count - first + 1)
    local got = {struct.unpack('<' .. string.rep('I4', c), packed, from + 4 * (first - 1))}
    for k = 1, c do out[first + k - 1] = got[k] end
  end
  return out
end
local n = #blob / 4
local mine = shingles(blob, 1, n)
local function overlap(other)
  -- other = the sequence number .. sorted uint32 shingles; returns (intersection, size)
  local m = (#other - SEQ) / 4
  if n == 0 or m == 0 then return 0, m end
  local theirs = shingles(other, SEQ + 1, m)
  local i, j, inter = 1, 1, 0
  while i <= n and j <= m do
    local a, b = mine[i], theirs[j]
    if a == b then
      inter = inter + 1; i = i + 1; j = j + 1
    elseif a < b then
      i = i + 1
    else
      j = j + 1
    end
  end
  return inter, m
end
local function matches(inter, m)
  local small, large = math.min(n, m), math.max(n, m)
  if small == 0 then return false end
  if inter >= thr * (n + m - inter) then return true end
  return inter >= cont * small and small >= ratio * large
end
local seen, best, best_inter, best_union, best_seq = {}, nil, 0, 1, 0
local found = {'matches'}
local keys, buckets = {}, {}  -- band position -> its bucket's hash, and members as read here
for at = 1, #bands - 7, 8 do
  local band = string.sub(bands, at, at + 7)
  keys[at] = bucket(P, band)
  local members = redis.call('HGET', keys[at], band) or ''
  buckets[at] = members
  for q = 1, #members, SEQ do
    local s = string.sub(members, q, q + SEQ - 1)
    if not seen[s] then
      seen[s] = true
      local cand = redis.call('HGET', P .. ':ids', s)
      local other = cand and cand ~= old and redis.call('GET', P .. ':doc:' .. cand)
      if other then
        local inter, m = overlap(other)
        local union = n + m - inter
        local seq = struct.unpack('<I' .. SEQ, other, 1)
        if matches(inter, m) and mode == 'query' then
          found[#found + 1] = cand; found[#found + 1] = inter
          found[#found + 1] = union; found[#found + 1] = seq
        elseif matches(inter, m) then
          local better = best == nil or inter * best_union > best_inter * union
            or (inter * best_union == best_inter * union and seq < best_seq)
          if better then best, best_inter, best_union, best_seq = cand, inter, union, seq end
        end
      end
    end
  end
end
if mode ~= 'add' then return found end
if best then return {'dup', best, best_inter, best_union} end
if old then
  forget(P, old)
  buckets = {}  -- (forgetting may have changed them: read again)
end
local s = struct.pack('<I' .. SEQ, redis.call('INCR', P .. ':seq'))
redis.call('SET', P .. ':doc:' .. id, s .. blob)
redis.call('SET', P .. ':digest:' .. id, digest)
redis.call('HSET', P .. ':ids', s, id)
if n > 0 then
  for at = 1, #bands - 7, 8 do
    local band = string.sub(bands, at, at + 7)
    local members = buckets[at] or redis.call('HGET', keys[at], band) or ''
    redis.call('HSET', keys[at], band, members .. s)
  end
  redis.call('SET', P .. ':bands:' .. id, bands)
end
local paras = {}
for k = 12, #ARGV do
  paras[#paras + 1] = ARGV[k]
  redis.call('ZINCRBY', P .. ':para', 1, ARGV[k])
end
redis.call('ZADD', P .. ':seen', ARGV[11], id)
redis.call('SET', P .. ':paras:' .. id, table.concat(paras, ' '))
redis.call('INCR', P .. ':count')
if old then return {'update', id, 0, 0} end
return {'new', id, 0, 0}
"""
)

_REMOVE = (
    _LAYOUT
    + r"""
if forget(ARGV[1], ARGV[2]) then return 1 end
return 0
"""
)

# ARGV: prefix, a token, the time of first sight its adds gave, then (id, digest) pairs.
# Cancels the token, unless it is '' (its adds that have not run yet will record nothing),
# and forgets each document that one of them recorded: the id indexed with that digest and
# that time. Run when a client gave up waiting for its adds, which the server may still run
# later, and when what a client recorded was not delivered (RedisIndex.take_back).
_TAKE_BACK = (
    _LAYOUT
    + r"""
local P, token, seen = ARGV[1], ARGV[2], tonumber(ARGV[3])
if token ~= '' then redis.call('SET', P .. ':cancelled:' .. token, 1, 'EX', 86400) end
local gone = 0
for k = 4, #ARGV, 2 do
  local id = ARGV[k]
  if tonumber(redis.call('ZSCORE', P .. ':seen', id)) == seen
      and redis.call('GET', P .. ':digest:' .. id) == ARGV[k + 1] and forget(P, id) then
    gone = gone + 1
  end
end
return gone
"""
)

# ARGV: prefix, the cutoff time, the most documents to forget in this call. Forgets the
# documents first seen before the cutoff, oldest first, and returns their ids: a call
# holds the server for a bounded time, and the client calls again until one returns fewer.
_EXPIRE = (
    _LAYOUT
    + r"""
local P, cutoff, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])
local old = redis.call('ZRANGEBYSCORE', P .. ':seen', '-inf', '(' .. cutoff, 'LIMIT', 0, limit)
for _, id in ipairs(old) do
  if not forget(P, id) then redis.call('ZREM', P .. ':seen', id) end
end
return old
"""
)


# ARGV: prefix, then ids of documents recorded in newsclean 0.2.0's layout (a 4-byte
# number before the shingles, the band keys as hex text): each is given this layout's
# number, buckets and band keys; one already converted is left alone. Returns how many
# were converted, and how many ids have no document.
_UPGRADE = (
    _LAYOUT
    + r"""
local P, done, missing = ARGV[1], 0, 0
for k = 2, #ARGV do
  local id = ARGV[k]
  local doc = redis.call('GET', P .. ':doc:' .. id)
  if not doc then missing = missing + 1 end
  if doc and #doc % 4 == 0 then
    local s = struct.pack('<I' .. SEQ, struct.unpack('<I4', doc, 1))
    redis.call('SET', P .. ':doc:' .. id, s .. string.sub(doc, 5))
    redis.call('HSET', P .. ':ids', s, id)
    local bands = {}
    for hex in string.gmatch(redis.call('GET', P .. ':bands:' .. id) or '', '%x+') do
      local band = string.gsub(hex, '%x%x', function(h) return string.char(tonumber(h, 16)) end)
      bands[#bands + 1] = band
      local key = bucket(P, band)
      redis.call('HSET', key, band, (redis.call('HGET', key, band) or '') .. s)
    end
    if #bands > 0 then redis.call('SET', P .. ':bands:' .. id, table.concat(bands)) else redis.call('DEL', P .. ':bands:' .. id) end
    done = done + 1
  end
end
return {done, missing}
"""
)


def _password(url: str) -> str | None:
    """The password in ``url`` (as the server gets it), to be kept out of messages."""
    from urllib.parse import parse_qs, unquote, urlsplit

    try:
        parts = urlsplit(url)
        given = parts.password or parse_qs(parts.query).get("password", [None])[0]
    except ValueError:
        return None
    return unquote(given) if given else None


#: The Redis layout this newsclean reads and writes, in the namespace's header (field
#: ``redis_layout``; a namespace of newsclean 0.2.0 has none: ``RedisIndex.upgrade`` converts it).
LAYOUT_VERSION = 2
_LAYOUT_FIELD = "redis_layout"


def _header(params: IndexParams, layout: object = LAYOUT_VERSION) -> str:
    """The header a namespace stores under ``{namespace}:params``: the index's parameter
    header and the layout, JSON with sorted keys (clients compare it string for string)."""
    return json.dumps({**params.header(), _LAYOUT_FIELD: layout}, sort_keys=True)


@contextlib.contextmanager
def _answering(shown: str, password: str | None) -> Iterator[None]:
    """Redis's failures as ``IndexUnavailableError``, naming the server as ``shown`` (a URL
    without its password) and never quoting the ``password``."""
    import redis

    errors = redis.exceptions
    try:
        yield
    except (errors.ConnectionError, errors.TimeoutError, errors.NoPermissionError, errors.ResponseError) as err:
        # (ResponseError: a database number the server does not have, say)
        # (Not which command of a pipeline failed, with its arguments: the server's words.)
        why = re.sub(r"^Command # [0-9]+ \(.*\) of pipeline caused error: ", "", str(err), flags=re.S)
        if password:  # (a server's message could quote what it was sent)
            why = why.replace(password, "***")
        if isinstance(err, errors.OutOfMemoryError):
            raise IndexUnavailableError(
                f"Redis at {shown} is out of memory and records no more ({why.rstrip('.')}): raise its maxmemory, "
                "or forget old documents (--max-age)"
            ) from None
        if isinstance(err, errors.AuthenticationError):
            if not password:
                raise IndexUnavailableError(
                    f"Redis at {shown} needs a password, and the URL gives none: {why}"
                ) from None
            raise IndexUnavailableError(f"Redis at {shown} refused the credentials: {why}") from None
        if isinstance(err, errors.NoPermissionError):
            raise IndexUnavailableError(f"Redis at {shown} refused access: {why}") from None
        if isinstance(err, errors.ResponseError):
            raise IndexUnavailableError(f"Redis at {shown} answered with an error: {why}") from None
        raise IndexUnavailableError(f"Redis at {shown} is unreachable: {why}") from None


def _connect(url: str, socket_timeout: float) -> Any:
    """A redis-py client of ``url`` (it connects on its first command); ``OptionsError``
    for a URL that is not one, or whose password a URL parser would misread."""
    import redis

    if not 0 < socket_timeout < math.inf:
        raise OptionsError(f"socket_timeout must be a number of seconds above 0, not {socket_timeout!r}")
    if _misread_password(url):
        raise OptionsError(
            f"{redact(url)}: the password holds characters a URL must escape ('@' as %40, '/' as %2F, ':' as %3A, "
            "'#' as %23, '?' as %3F, '[' as %5B)"
        )
    password = written_password(url)
    try:
        client = redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        # The options of the query are only read when the first connection is made, deep
        # in a command: one redis-py does not know is said here, as the URL's fault.
        kwargs = client.connection_pool.connection_kwargs
        client.connection_pool.connection_class(**kwargs)  # (made, never connected)
    except (ValueError, TypeError, redis.exceptions.RedisError) as err:  # (RedisError: protocol=9, say)
        why = str(err).replace(password, "***") if password else str(err)
        unknown = re.search(r"unexpected keyword argument '([^']*)'", why)
        if unknown:
            why = f"an option redis-py does not know for {url.partition(':')[0]}://: {unknown[1]!r}"
        raise OptionsError(f"{redact(url)}: not a Redis URL ({why})") from None
    problem = _url_problem(url, kwargs)
    if problem:
        raise OptionsError(f"{redact(url)}: {problem}")
    return client


def _reads_script_flags(client: Any) -> bool:
    """Whether the server reads the flags of a script's ``#!lua`` line (Redis 7 and later:
    an older one, or another server, fails to compile it)."""
    import redis

    try:
        client.script_load("#!lua flags=no-writes\nreturn 1")
    except redis.exceptions.ResponseError:
        return False
    return True


def _eviction_policy(client: Any) -> str | None:
    """The server's ``maxmemory-policy``, or ``None`` where ``INFO`` is not allowed (an
    ACL user without it: then it is not checked)."""
    import redis

    try:
        policy = client.info("memory").get("maxmemory_policy")
    except redis.exceptions.NoPermissionError:
        return None
    return str(policy) if policy is not None else None


def _url_problem(url: str, kwargs: dict[str, Any]) -> str | None:
    """What redis-py would take silently, or fail on only at the first command (some with
    a traceback): a database that is not a number (read as 0), a database named twice, a
    timeout that is not a number of seconds above 0, replies decoded to text (which the
    index's scripts cannot read), a TLS file that is not there (said as an unreachable
    server)."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):  # (unix://'s path is the socket's)
        if parts.path not in ("", "/") and not re.fullmatch(r"/[0-9]+", parts.path):
            return f"the database after the host must be a number, not {parts.path[1:]!r}"
        if parts.path.strip("/") and "db" in parse_qs(parts.query):
            return f"the database is named twice ({parts.path!r} and db={parse_qs(parts.query)['db'][0]})"
    for name in ("socket_timeout", "socket_connect_timeout"):
        value = kwargs.get(name)
        if value is not None and not 0 < value < math.inf:
            return f"{name} must be a number of seconds above 0, not {value:g}"
    if kwargs.get("health_check_interval", 0) < 0:
        return f"health_check_interval must be 0 or more, not {kwargs['health_check_interval']:g}"
    if kwargs.get("decode_responses"):
        return "decode_responses is not for an index: newsclean reads Redis's replies as bytes"
    for name in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_ca_path"):
        value = kwargs.get(name)
        if isinstance(value, str) and not os.path.exists(value):
            return f"no such file for {name}: {value}"
    return None


def source_of(namespace: str, shown: str) -> str:
    """How messages name a namespace: ``Redis index 'NAME' at URL`` (``shown``: the URL
    without its password)."""
    return f"Redis index {namespace!r} at {shown}"


def _read_header(stored: Any, source: str) -> tuple[dict[str, Any], IndexParams]:
    """A namespace's header (the value of its params key) and its parameters;
    ``IndexFileError`` if it is not a newsclean index's header, or one of another format
    or version, or holds values ``IndexParams`` refuses."""
    try:
        found = json.loads(stored) if stored is not None else None
    except ValueError:  # (not JSON, or not UTF-8)
        found = None
    if not isinstance(found, dict):
        raise IndexFileError(f"{source}: not a newsclean index (its params key holds {stored!r})")
    try:
        return found, IndexParams.from_header(found, source)
    except (OptionsError, TypeError) as err:  # (values IndexParams refuses)
        raise IndexFileError(f"{source}: not a readable newsclean index ({err})") from None


def _glob(namespace: str) -> str:
    """The namespace with its glob characters escaped, for SCAN's MATCH."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", namespace)


# The keys of a namespace P: P:params (the header), P:para, P:seen, P:count, P:seq, P:ids,
# and for each document, bucket hash or token P:KIND:..., KIND one of _PER_DOCUMENT (the
# scripts above).
_SINGLE = ("params", "para", "seen", "count", "seq", "ids")
_PER_DOCUMENT = ("doc", "digest", "bands", "paras", "bkt", "cancelled", "band")  # (band: 0.2.0's buckets)


def _misread_password(url: str) -> bool:
    """Whether the password before the URL's last '@' holds an unescaped '@', '/' or ':'
    that a URL parser takes for the end of it (so a part of the secret would be sent as the
    host and shown in messages).

    >>> _misread_password("redis://:p@ss/w:rd@h:6379/0"), _misread_password("redis://u:p%40ss@h/0")
    (True, False)
    """
    from urllib.parse import urlsplit

    intended = written_password(url)
    if not any(c in intended for c in "@/:#?[]"):
        return False  # (nothing a parser misreads: any other fault is the URL's, said as such)
    try:
        parsed = urlsplit(url).password
    except ValueError:
        return True
    return intended != parsed


class RedisIndex(Index):
    """A near-duplicate index shared on Redis; the same contract as ``DedupIndex``.

    ``url`` is a ``redis://`` (or ``rediss://``, ``unix://``) URL. Needs the ``redis``
    package (``pip install 'newsclean[redis]'``). When Redis cannot be reached, calls raise
    ``IndexUnavailableError`` and nothing is reported as new that was not recorded. A
    pickled ``RedisIndex`` connects again where it is unpickled.

    ``params`` (or keyword changes of them) are the rule of the namespace: one made with
    other parameters is refused (``SketchMismatchError``). Without either, the namespace's
    own are used, as a file index keeps its own (the defaults for a new namespace).
    """

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        params: IndexParams | None = None,
        /,
        *,
        namespace: str = "newsclean",
        cleaner: Cleaner | None = None,
        socket_timeout: float = 10.0,
        **changes: Any,
    ) -> None:

        super().__init__(params, cleaner, changes)
        self.socket_timeout = socket_timeout
        self.url = url
        self.namespace = namespace
        self._shown = redact(url)  # (the URL as messages and reprs show it: no password)
        self._password = _password(url)
        self._redis = _connect(url, socket_timeout)
        # Where the server reads a script's flags (Redis 7 and later), an add is refused
        # whole when the server is out of memory (maxmemory, noeviction), never cut off
        # between its writes; what forgets documents runs even then, as it frees memory.
        with self._guard():
            flags = _reads_script_flags(self._redis)
            policy = _eviction_policy(self._redis)
        if policy is not None and policy.startswith("allkeys-"):
            raise IndexUnavailableError(
                f"Redis at {self._shown} evicts any key when it is full (maxmemory-policy {policy}): an index there "
                "would lose documents and its parameters without a word; use maxmemory-policy noeviction (or a "
                "volatile-* one: newsclean sets no expiry on what it records)"
            )
        self._add_source = ("#!lua\n" if flags else "") + _ADD
        self._add_script = self._redis.register_script(self._add_source)
        deleting = "#!lua flags=allow-oom\n" if flags else ""
        self._remove_script = self._redis.register_script(deleting + _REMOVE)
        self._take_back_script = self._redis.register_script(deleting + _TAKE_BACK)
        self._expire_script = self._redis.register_script(deleting + _EXPIRE)
        with self._guard():
            self._redis.script_load(self._add_source)
        key = f"{namespace}:params"
        with self._guard():
            stored = self._redis.get(key)
        if stored is not None:
            found, own = _read_header(stored, source_of(namespace, self._shown))
            if found.get(_LAYOUT_FIELD) == LAYOUT_VERSION and params is None:
                # No parameters given: the namespace's own, as a file index keeps its own
                # (the defaults for a new namespace); keyword changes must agree with
                # them, and only those are named if they do not.
                self.params.check(own.header(), source_of(namespace, self._shown), list(changes))
                self.params = own
            elif found.get(_LAYOUT_FIELD) == LAYOUT_VERSION:
                self.params = self.params.as_in(found)  # (what a header of before leaves out)
        self._write_header(stored)

    def _write_header(self, stored: Any) -> None:
        """Make the namespace's parameter header, unless it is there (``stored``: what
        its key held), and refuse one that is not ours. (Written only when missing: a
        full server refuses writes, and a namespace is still opened there.)"""
        key, header = f"{self.namespace}:params", _header(self.params)
        if stored is None:
            with self._guard():
                self._redis.set(key, header, nx=True)
                stored = self._redis.get(key)
        if stored is None or (stored.decode(errors="replace") if isinstance(stored, bytes) else stored) != header:
            self._refuse(stored)
        self._cleared = False

    @staticmethod
    def upgrade(
        url: str = "redis://localhost:6379/0", *, namespace: str = "newsclean", socket_timeout: float = 10.0
    ) -> int:
        """Convert, in place, a namespace that newsclean 0.2.0 laid out (a Redis key per
        LSH bucket) to this newsclean's layout (buckets as fields of shared hashes: about
        a third of the memory: see the Redis recipe), and return how many documents were
        converted (0 when there was nothing to convert). Nothing a client recorded is
        lost: each document keeps its id, time of first sight and paragraph counts, and is
        found as before. ``newsclean dedup
        --redis URL --namespace NAME --upgrade-redis`` runs it.

        Stop every client of the namespace first. The namespace is marked as being
        upgraded (clients of either version that open it refuse it) until the upgrade
        ends; documents that keep arriving in the old layout (a client of 0.2.0 still
        running) are converted too, and if they do not stop coming the upgrade stops with
        ``IndexFileError``, the namespace still marked. An upgrade that was interrupted is
        finished by running this again. The server is held by one script call for each
        100 documents; the conversion takes about a millisecond a document.
        """
        shown = redact(url)
        source = source_of(namespace, shown)
        client = _connect(url, socket_timeout)
        escaped = _glob(namespace)
        with contextlib.closing(client), _answering(shown, _password(url)):
            key = f"{namespace}:params"
            if client.type(key) not in (b"string", "string"):
                raise IndexFileError(
                    f"{source}: no such namespace (no key {key})"
                    if client.type(key) in (b"none", "none")
                    else f"{source}: not a newsclean index ({key} is not a string)"
                )
            found, params = _read_header(client.get(key), source)
            layout = found.get(_LAYOUT_FIELD)
            if layout == LAYOUT_VERSION:
                return 0
            if layout not in (None, "upgrading"):
                raise IndexFileError(f"{source}: laid out as {layout!r}, which this newsclean does not know")
            client.set(key, _header(params, "upgrading"))
            script = client.register_script(_UPGRADE)
            start = len(f"{namespace}:doc:".encode())  # (keys are bytes: a name's length in bytes)
            done = 0
            for _ in range(5):  # (passes, until one finds nothing left of the old layout)
                converted = 0
                keys = client.scan_iter(match=f"{escaped}:doc:*", count=1000)
                while chunk := list(itertools.islice(keys, 100)):
                    got, missing = script(args=[namespace, *(k[start:] for k in chunk)])
                    if missing:
                        raise IndexFileError(
                            f"{source}: documents vanished during the upgrade (is a client still running?): "
                            "nothing was taken out; stop every client and run the upgrade again"
                        )
                    converted += int(got)
                old = list(client.scan_iter(match=f"{escaped}:band:*", count=1000))
                for at in range(0, len(old), 1000):
                    client.unlink(*old[at : at + 1000])
                done += converted
                if not converted and not old:
                    break
            else:
                raise IndexFileError(
                    f"{source}: documents of newsclean 0.2.0 keep arriving (a client of it is still running): "
                    "stop every client and run the upgrade again"
                )
            # (0.2.0 kept a zero count for the paragraphs of every document it forgot)
            client.zremrangebyscore(f"{namespace}:para", "-inf", 0)
            client.set(key, _header(params))
            return done

    def _refuse(self, stored: Any) -> None:
        """Say why the namespace's parameter header ``stored`` is not ours: not a newsclean
        index at all (``IndexFileError``), or one made with other parameters
        (``SketchMismatchError``)."""
        source = source_of(self.namespace, self._shown)
        found, _ = _read_header(stored, source)
        layout = found.get(_LAYOUT_FIELD)
        if layout in (None, "upgrading"):
            how = (
                f"newsclean dedup --redis {shlex.quote(self._shown)} --namespace {shlex.quote(self.namespace)} "
                f"--upgrade-redis, or RedisIndex.upgrade(URL, namespace={self.namespace!r})"
                + (" (the URL with its password in place of ***)" if self._password else "")
            )
            if layout == "upgrading":
                raise IndexFileError(
                    f"{source}: being upgraded to this newsclean's layout, or an upgrade was interrupted: "
                    f"once no other upgrade runs, finish it with {how}"
                )
            raise IndexFileError(
                f"{source}: laid out by newsclean 0.2.0 (a Redis key per LSH bucket), which this newsclean "
                f"does not read. Upgrade it in place, with every client of it stopped: {how} "
                "(docs/recipes/redis-fleet.md); or give this newsclean another namespace"
            )
        if layout != LAYOUT_VERSION:
            raise IndexFileError(f"{source}: laid out as {layout!r}, which this newsclean does not know (a newer one?)")
        self.params.check(found, source)
        raise SketchMismatchError(f"{source} has another parameter header: {stored!r}")

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        return _answering(self._shown, self._password)

    def _boilerplate(self) -> frozenset[int]:
        with self._guard():
            members: list[bytes] = self._redis.zrangebyscore(
                f"{self.namespace}:para", self.params.boilerplate_min_docs, "+inf"
            )
        return frozenset(int(m) for m in members)

    def _args(self, doc_id: str, fp: Fingerprint, mode: str, now: float = 0.0, token: str = "") -> list[Any]:
        p = self.params
        return [
            self.namespace,
            doc_id,
            mode,
            token,
            np.ascontiguousarray(fp.shingles, dtype="<u4").tobytes(),
            repr(p.threshold),
            repr(p.containment),
            repr(p.min_ratio),
            fp.digest,
            np.ascontiguousarray(fp.bands, dtype=">u8").tobytes(),
            repr(now),
            *(str(h) for h in fp.paragraphs),
        ]

    def add_fingerprints(
        self, prints: Sequence[Fingerprint], ids: Sequence[str] | None = None, *, now: float | None = None
    ) -> list[AddResult]:
        """Add documents given as fingerprints, in order, in one pipelined round trip.

        When Redis does not answer (``IndexUnavailableError``), the adds it may still run
        later are taken back: cancelled, and what they recorded forgotten, so that nothing
        is left recorded that the caller was not told of (the error says if Redis could
        not be reached for that either)."""
        check_ids(prints, ids)
        check_fingerprints(prints, self.params)
        seen = seen_time(now)
        doc_ids = [str(i) for i in ids] if ids is not None else unnamed([fp.digest for fp in prints])
        token = os.urandom(12).hex()
        if self._cleared:
            self._write_header(None)
        try:
            with self._guard():
                replies = self._pipelined_adds(
                    [self._args(doc_id, fp, "add", seen, token) for doc_id, fp in zip(doc_ids, prints)]
                )
        except IndexUnavailableError as err:
            left = self._take_back(token, seen, doc_ids, [fp.digest for fp in prints])
            if left is None:
                some = "this document" if len(doc_ids) == 1 else f"these {len(doc_ids)} documents"
                raise IndexUnavailableError(
                    f"{str(err).rstrip('.')}; {some} may be recorded there without having been reported (their "
                    f"taking back failed too): {', '.join(doc_ids[:10])}" + (", ..." if len(doc_ids) > 10 else "")
                ) from None
            raise
        return [self._result(doc_id, reply) for doc_id, reply in zip(doc_ids, replies)]

    def _take_back(self, token: str, seen: float, doc_ids: list[str], digests: list[str]) -> int | None:
        """Cancel the adds of ``token`` and forget what they recorded (``_TAKE_BACK``):
        how many documents were forgotten, or None if Redis did not answer twice."""
        for _ in range(2):
            try:
                return self._run_take_back(token, seen, doc_ids, digests)
            except IndexUnavailableError:
                continue
        return None

    def _run_take_back(self, token: str, seen: float, ids: Sequence[str], digests: Sequence[str]) -> int:
        pairs = [x for pair in zip(ids, digests) for x in pair]
        with self._guard():
            return int(self._take_back_script(args=[self.namespace, token, repr(seen), *pairs]))

    def take_back(self, ids: Sequence[str], digests: Sequence[str], seen: float) -> int:
        """Forget documents that this client's adds recorded, given their ids, the digests
        of their fingerprints (``Fingerprint.digest``) and the time of first sight the adds
        gave them (``now``), each unless it was replaced or forgotten since; return how many
        were forgotten. For a caller that could not deliver what it added (``newsclean
        dedup -o FILE`` when the file cannot be written): a later copy is then new again.
        (A document that was kept as an update is forgotten, and its earlier version with
        it.)"""
        return self._run_take_back("", seen, ids, digests)

    def query(self, document: str | Fingerprint) -> AddResult:
        """What ``add`` would say of a text or fingerprint, without adding (the id of the
        result is ``""``), with every match in ``matches``, best first (the highest
        similarity; among equal ones, the earliest added): see ``DedupIndex.query``."""
        fp = as_fingerprint(document, self.cleaner, self.params)
        if self._cleared:
            self._write_header(None)
        with self._guard():
            reply = self._pipelined_adds([self._args("", fp, "query")])[0]
        found = [
            (Fraction(int(reply[k + 1]), int(reply[k + 2])), int(reply[k + 3]), bytes(reply[k]).decode())
            for k in range(1, len(reply), 4)
        ]
        found.sort(key=lambda m: (-m[0], m[1]))
        matches = tuple(Match(doc_id, float(sim)) for sim, _, doc_id in found)
        if not matches:
            return AddResult("", True)
        return AddResult("", False, matches[0].id, matches[0].similarity, "duplicate", matches)

    def first_seen(self, id: str) -> float:
        """When a document was first seen (seconds since the epoch; ``KeyError`` if it is
        not indexed, or was added by a newsclean that kept no times)."""
        with self._guard():
            score = self._redis.zscore(f"{self.namespace}:seen", id)
        if score is None:
            raise KeyError(id)
        return float(score)

    def expire(self, max_age: float, *, now: float | None = None, chunk: int = 1000) -> list[str]:
        """Forget the documents first seen more than ``max_age`` seconds before ``now``
        (default this machine's clock), oldest first, and return their ids (see
        ``DedupIndex.expire``). ``max_age`` is in seconds: ``index.expire(30 * 86_400)``
        forgets what was first seen more than 30 days ago (``newsclean dedup --redis URL
        --max-age`` counts days). Each call of the server script forgets at most ``chunk``
        documents, atomically, so a large expiry does not hold the server for long; adds
        from other clients go on between them. Documents added by a newsclean that kept
        no times are never forgotten."""
        cutoff = repr(seen_time(now) - check_age(max_age))
        gone: list[str] = []
        with self._guard():
            while True:
                old = self._expire_script(args=[self.namespace, cutoff, chunk])
                gone.extend(bytes(i).decode() for i in old)
                if len(old) < chunk:
                    return gone

    def _pipelined_adds(self, calls: list[list[Any]]) -> list[Any]:
        """EVALSHA each call in one pipelined round trip. redis-py's Script objects in a
        pipeline first ask SCRIPT EXISTS (a second round trip); the script is loaded once
        instead, and loaded again only if the server lost it (NOSCRIPT), then retried:
        the script is atomic per document, and a failed EVALSHA recorded nothing."""
        import redis

        sha = self._add_script.sha
        for attempt in range(2):
            pipe = self._redis.pipeline(transaction=False)
            for args in calls:
                pipe.evalsha(sha, 0, *args)
            try:
                return list(pipe.execute())
            except redis.exceptions.NoScriptError:
                if attempt:
                    raise
                self._redis.script_load(self._add_source)
        raise AssertionError("unreachable")

    @staticmethod
    def _result(doc_id: str, reply: list[Any]) -> AddResult:
        status = bytes(reply[0]).decode()
        if status in ("new", "update"):
            return AddResult(doc_id, True, status=status)
        inter, union = int(reply[2]), int(reply[3])
        return AddResult(doc_id, False, reply[1].decode(), inter / union, "duplicate" if status == "dup" else "repeat")

    def remove(self, id: str) -> None:
        """Forget a document (``KeyError`` if it is not indexed)."""
        with self._guard():
            removed = self._remove_script(args=[self.namespace, id])
        if not removed:
            raise KeyError(id)

    def is_boilerplate(self, paragraph: str) -> bool:
        """Whether a paragraph recurs in at least ``boilerplate_min_docs`` indexed documents."""
        with self._guard():
            score = self._redis.zscore(f"{self.namespace}:para", str(paragraph_hash(key(paragraph))))
        return (score or 0) >= self.params.boilerplate_min_docs

    def boilerplate_hashes(self) -> frozenset[int]:
        """The hashes of the paragraphs that recur in at least ``boilerplate_min_docs``
        indexed documents."""
        return self._boilerplate()

    def __len__(self) -> int:
        with self._guard():
            return int(self._redis.get(f"{self.namespace}:count") or 0)

    def __contains__(self, id: object) -> bool:
        with self._guard():
            return bool(self._redis.exists(f"{self.namespace}:doc:{id}"))

    def clear(self) -> int:
        """Delete every key of this namespace (the parameter header too); return how many.
        This index stays usable: its next add makes the namespace again.
        Only this namespace's own kinds of key are looked for (``news:doc:*``, never
        ``news:*``), with the namespace's glob characters escaped: ``namespace="news"``
        leaves ``news:eu`` alone, and ``"n*"`` is only itself."""
        escaped = _glob(self.namespace)
        removed = 0
        with self._guard():
            for kind in _PER_DOCUMENT:
                keys = list(self._redis.scan_iter(match=f"{escaped}:{kind}:*", count=1000))
                for start in range(0, len(keys), 1000):
                    removed += int(self._redis.delete(*keys[start : start + 1000]))
            removed += int(self._redis.delete(*(f"{self.namespace}:{name}" for name in _SINGLE)))
        self._cleared = True  # (the next add makes the namespace again, with this index's parameters)
        return removed

    def close(self) -> None:
        """Close the connection (what was added stays on the server)."""
        self._redis.close()

    def __reduce__(self) -> tuple[Any, tuple[str, IndexParams]]:
        # A connection does not pickle: the copy (in a worker process, say) connects anew to
        # the same server and namespace.
        import functools

        again = functools.partial(
            RedisIndex, namespace=self.namespace, cleaner=self.cleaner, socket_timeout=self.socket_timeout
        )
        return (again, (self.url, self.params))

    def __repr__(self) -> str:
        return f"RedisIndex({self._shown!r}, {self.params!r}, namespace={self.namespace!r})"
