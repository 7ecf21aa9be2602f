"""Redis as deployed: a password (``requirepass``), an ACL user, TLS (``rediss://``), against
a real redis-server on loopback; and no password ever shown in a message, repr or log."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from newsclean import IndexUnavailableError
from newsclean._redact import redact

from .redis_server import RedisServer, running_redis

pytest.importorskip("redis")

ADMIN = "adm1n-pw-Qx7"  # the default user's password (requirepass)
CRAWLER = "crawl3r-pw-Zk4"  # the ACL user's
WRONG = "wr0ng-pw-Jm2"
SECRETS = (ADMIN, CRAWLER, WRONG)
STORY = "HANOI (VNA) — Rice exports rose by a tenth in the first half of the year, the ministry said on Monday."


@pytest.fixture(scope="module")
def tls_server() -> Iterator[RedisServer]:
    with running_redis(password=ADMIN, tls=True) as server:
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with running_redis(password=ADMIN) as server:
        import redis

        admin = redis.Redis(host="127.0.0.1", port=server.port, password=ADMIN)
        # A crawler account that may only touch keys under its own prefix.
        admin.execute_command("ACL", "SETUSER", "crawler", "on", f">{CRAWLER}", "~acl-*", "+@all")
        admin.close()
        yield server


def url(server: RedisServer, user: str = "", password: str = ADMIN, tls: bool = False) -> str:
    if tls:
        return f"rediss://{user}:{password}@127.0.0.1:{server.tls_port}/0?ssl_ca_certs={server.ca}"
    return f"redis://{user}:{password}@127.0.0.1:{server.port}/0"


def no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, text


def line(doc_id: str, text: str = STORY) -> str:
    return json.dumps({"id": doc_id, "text": text}) + "\n"


def test_redact() -> None:
    assert redact(f"redis://:{ADMIN}@h:6379/0") == "redis://:***@h:6379/0"
    assert redact(f"redis://crawler:{CRAWLER}@h:6379/0") == "redis://crawler:***@h:6379/0"
    assert redact(f"rediss://u:{ADMIN}@h/0?ssl_ca_certs=/ca.crt") == "rediss://u:***@h/0?ssl_ca_certs=/ca.crt"
    assert redact("redis://u:p@ss:w@rd@h:1/0") == "redis://u:***@h:1/0"  # ('@' and ':' in a password)
    assert redact(f"redis://h:1/0?db=2&password={ADMIN}") == "redis://h:1/0?db=2&password=***"
    assert redact("unix:///run/redis.sock") == "unix:///run/redis.sock"
    assert redact("redis://:p@ss/w:rd@h:1/0") == "redis://:***@h:1/0"  # ('/' too, not escaped)
    for secret in (f"{ADMIN}#x", f"{ADMIN}?x", f"x#{ADMIN}", f"[{ADMIN}"):  # ('#', '?' and '[' as well)
        assert redact(f"redis://u:{secret}@h:1/0?db=2") == "redis://u:***@h:1/0?db=2"


def test_a_password_a_url_parser_would_misread_is_refused_unshown(server: RedisServer, run) -> None:
    from newsclean import OptionsError
    from newsclean.index import RedisIndex

    for given in [
        f"redis://:{ADMIN}@x/{CRAWLER}@127.0.0.1:{server.port}/0",  # (the parser's password: ADMIN)
        f"redis://:{ADMIN}#{CRAWLER}@127.0.0.1:{server.port}/0",  # ('#': the rest read as a fragment)
        f"redis://crawler:{CRAWLER}?{ADMIN}@127.0.0.1:{server.port}/0",  # ('?': as a query)
        f"redis://crawler:{CRAWLER}[{ADMIN}@127.0.0.1:{server.port}/0",  # ('[': as an IPv6 host)
    ]:
        with pytest.raises(OptionsError, match="must escape") as refused:
            RedisIndex(given)
        no_secret(str(refused.value))
        done = run("dedup", "--redis", given, input=line("a"))
        assert done.returncode == 2 and b"must escape" in done.stderr and done.stdout == b""
        no_secret(done.stderr.decode())


def test_a_database_the_server_does_not_have_is_one_line(server: RedisServer, run) -> None:
    from newsclean.index import RedisIndex

    missing = f"redis://:{ADMIN}@127.0.0.1:{server.port}/99"
    with pytest.raises(IndexUnavailableError, match="answered with an error: DB index is out of range"):
        RedisIndex(missing)
    done = run("dedup", "--redis", missing, input=line("a"))
    err = done.stderr.decode()
    assert done.returncode == 1 and "DB index is out of range" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    no_secret(err)


@pytest.mark.parametrize("how", ["requirepass", "acl user", "tls"])
def test_an_index_with_credentials(request: pytest.FixtureRequest, how: str) -> None:
    from newsclean.index import RedisIndex

    server = request.getfixturevalue("tls_server" if how == "tls" else "server")

    where = {
        "requirepass": url(server),
        "acl user": url(server, "crawler", CRAWLER),
        "tls": url(server, tls=True),
    }[how]
    ns = f"acl-{uuid.uuid4().hex[:8]}"
    index = RedisIndex(where, namespace=ns)
    try:
        assert index.add(STORY, id="a").new
        assert index.add("BEIJING (Xinhua) -- " + STORY, id="b").duplicate_of == "a"
        no_secret(repr(index))
        assert "***" in repr(index)
    finally:
        index.clear()
        index.close()


@pytest.mark.parametrize("how", ["acl user", "tls"])
def test_the_command_with_credentials(run, request: pytest.FixtureRequest, how: str) -> None:
    if how == "tls":
        where = url(request.getfixturevalue("tls_server"), tls=True)
    else:
        where = url(request.getfixturevalue("server"), "crawler", CRAWLER)
    ns = f"acl-{uuid.uuid4().hex[:8]}"
    first = run("dedup", "--redis", where, "--namespace", ns, input=line("a"))
    again = run("dedup", "--redis", where, "--namespace", ns, input=line("b"))
    assert (first.returncode, again.returncode) == (0, 0), first.stderr
    assert first.stdout == line("a").encode() and again.stdout == b""
    no_secret(first.stderr.decode() + again.stderr.decode())


@pytest.mark.parametrize(
    "how, message",
    [
        ("wrong password", "refused the credentials"),
        ("wrong user password", "refused the credentials"),
        ("no password", "needs a password, and the URL gives none"),
        ("another prefix than the ACL allows", "refused access"),
        ("tls without the authority", "is unreachable"),
    ],
)
def test_refusals_are_clear_and_keep_the_password_out(
    run, request: pytest.FixtureRequest, how: str, message: str
) -> None:
    from newsclean.index import RedisIndex

    server = request.getfixturevalue("tls_server" if how.startswith("tls") else "server")

    ns = f"acl-{uuid.uuid4().hex[:8]}"
    where = {
        "wrong password": url(server, password=WRONG),
        "wrong user password": url(server, "crawler", WRONG),
        "no password": f"redis://127.0.0.1:{server.port}/0",
        "another prefix than the ACL allows": url(server, "crawler", CRAWLER),
        "tls without the authority": f"rediss://:{ADMIN}@127.0.0.1:{server.tls_port}/0",
    }[how]
    if how == "another prefix than the ACL allows":
        ns = "other"
    with pytest.raises(IndexUnavailableError, match=message) as caught:
        RedisIndex(where, namespace=ns, socket_timeout=5)
    assert redact(where) in str(caught.value)
    no_secret(str(caught.value) + repr(caught.value))
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # (nothing chained to print)
    with pytest.raises(IndexUnavailableError, match=message) as caught:  # (the upgrade of a 0.2.0 namespace too)
        RedisIndex.upgrade(where, namespace=ns, socket_timeout=5)
    assert redact(where) in str(caught.value)
    no_secret(str(caught.value) + repr(caught.value))
    done = run("dedup", "--redis", where, "--namespace", ns, input=line("a"))
    err = done.stderr.decode()
    assert (done.returncode, done.stdout) == (1, b"") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    no_secret(err)


def test_the_scrapy_pipeline_logs_no_password(server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("scrapy")
    from newsclean.contrib.scrapy import NewscleanPipeline

    ns = f"acl-{uuid.uuid4().hex[:8]}"
    caplog.set_level(logging.DEBUG)
    pipeline = NewscleanPipeline(redis_url=url(server, "crawler", CRAWLER), redis_namespace=ns)
    pipeline.open_spider()
    try:
        pipeline.process_item({"text": STORY, "url": "https://example.com/a"})
        assert "redis://crawler:***@127.0.0.1" in caplog.text
        no_secret(caplog.text + repr(pipeline.index))
    finally:
        pipeline.index.clear()
        pipeline.close_spider()
    wrong = NewscleanPipeline(redis_url=url(server, "crawler", WRONG), redis_namespace=ns)
    with pytest.raises(IndexUnavailableError) as caught:
        wrong.open_spider()
    no_secret(str(caught.value) + caplog.text)


def test_a_malformed_url_is_one_line_without_the_password(run) -> None:
    from newsclean import OptionsError
    from newsclean.index import RedisIndex

    for timeout in (0, -1.0, float("nan")):  # (the API's own argument, as the URL's)
        with pytest.raises(OptionsError, match="socket_timeout must be a number of seconds above 0"):
            RedisIndex("redis://127.0.0.1:1/0", socket_timeout=timeout)
    for where, why in [
        (f"redis://:{ADMIN}@127.0.0.1:notaport/0", "not a Redis URL (Port could not be cast"),
        (f"http://:{ADMIN}@127.0.0.1/0", "not a Redis URL (Redis URL must specify one of the following schemes"),
        (f"redis://:{ADMIN}@[::1:6379/0", "not a Redis URL (Invalid IPv6 URL)"),
        # What redis-py reads only at the first command, or silently:
        (
            f"redis://:{ADMIN}@127.0.0.1/0?sockt_timeout=3",
            "not a Redis URL (an option redis-py does not know for redis://: 'sockt",
        ),
        (
            f"redis://:{ADMIN}@127.0.0.1/0?ssl_ca_certs=/ca.crt",
            "not a Redis URL (an option redis-py does not know for redis://: 'ssl_ca_certs'",
        ),
        (f"redis://:{ADMIN}@127.0.0.1/0?socket_timeout=-1", "socket_timeout must be a number of seconds above 0"),
        (f"redis://:{ADMIN}@127.0.0.1/0?socket_timeout=0", "socket_timeout must be a number of seconds above 0"),
        (f"redis://:{ADMIN}@127.0.0.1/0?socket_timeout=nan", "socket_timeout must be a number of seconds above 0"),
        (f"redis://:{ADMIN}@127.0.0.1/0?socket_connect_timeout=inf", "socket_connect_timeout must be a number"),
        (f"redis://:{ADMIN}@127.0.0.1/0?health_check_interval=-1", "health_check_interval must be 0 or more"),
        (f"redis://:{ADMIN}@127.0.0.1/0?protocol=9", "not a Redis URL (protocol must be either 2 or 3)"),
        (f"rediss://:{ADMIN}@127.0.0.1/0?ssl_cert_reqs=bogus", "not a Redis URL (Invalid SSL Certificate Requirements"),
        # (the scripts read bytes: an add was recorded, then a TypeError, nothing written)
        (f"redis://:{ADMIN}@127.0.0.1/0?decode_responses=true", "decode_responses is not for an index"),
        (f"redis://:{ADMIN}@127.0.0.1/crawl", "the database after the host must be a number, not 'crawl'"),
        (f"redis://:{ADMIN}@127.0.0.1/3?db=5", "the database is named twice ('/3' and db=5)"),
        (f"rediss://:{ADMIN}@127.0.0.1/0?ssl_ca_certs=/no/ca.crt", "no such file for ssl_ca_certs: /no/ca.crt"),
    ]:
        done = run("dedup", "--redis", where, input=line("a"))
        err = done.stderr.decode()
        assert (done.returncode, done.stdout) == (2, b"") and "Traceback" not in err, err
        assert err.startswith(f"newsclean dedup: error: {redact(where)}: {why}") and err.count("\n") == 1, err
        no_secret(err)
