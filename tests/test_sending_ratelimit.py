"""Rate limits live in Redis: every worker on every host shares them, and they survive restarts."""
import redis as redis_lib

from chapar.sending.ratelimit import RateLimiter


def test_a_limit_grants_up_to_its_size_in_a_window_then_says_how_long_to_wait(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    client.delete("test:rate")
    limiter = RateLimiter(client, [("test:rate", 10, 60.0)])
    assert limiter.try_acquire(6) == 0
    assert limiter.try_acquire(4) == 0
    wait = limiter.try_acquire(1)
    assert 59 < wait <= 60.001  # the first grant leaves the 60 s window in about a minute


def test_two_limiters_on_the_same_key_share_one_budget(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    client.delete("test:shared")
    first = RateLimiter(client, [("test:shared", 5, 1.0)])
    second = RateLimiter(redis_lib.Redis.from_url(redis_url), [("test:shared", 5, 1.0)])  # another host
    assert first.try_acquire(3) == 0
    assert second.try_acquire(3) > 0  # 3 + 3 > 5 in the same second
    assert second.try_acquire(2) == 0


def test_every_limit_must_allow_a_grant(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    client.delete("test:second", "test:minute")
    limiter = RateLimiter(client, [("test:second", 100, 1.0), ("test:minute", 3, 60.0)])
    assert limiter.largest_grant == 3
    assert limiter.try_acquire(3) == 0
    assert limiter.try_acquire(1) > 1  # the per-minute limit holds although the per-second one would allow it
    assert client.zcard("test:second") == 1  # a refused grant is not recorded anywhere


def test_no_limits_never_wait(redis_url):
    limiter = RateLimiter(redis_lib.Redis.from_url(redis_url), [("test:none", None, 1.0)])
    assert limiter.largest_grant is None and limiter.try_acquire(10_000) == 0


def test_grants_never_exceed_the_limit_in_any_second(redis_url):
    """Grants recorded by the limiter, looked at afterwards: no 1 s window holds more than the limit."""
    import time

    client = redis_lib.Redis.from_url(redis_url)
    client.delete("test:exact")
    limiter = RateLimiter(client, [("test:exact", 4, 1.0)])
    granted = []
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        if limiter.try_acquire(2) == 0:
            granted.append(time.monotonic())
        time.sleep(0.01)
    assert len(granted) >= 4  # it did grant, more than one window's worth in total
    for start in granted:
        in_window = [t for t in granted if start <= t < start + 1.0]
        assert len(in_window) * 2 <= 4 + 2  # (local clock jitter: at most one grant of slack)
