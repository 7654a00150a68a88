"""Rate limits shared by every worker on every host, kept in Redis so they survive restarts.

A sliding-window log: each grant is one sorted-set entry (time, count), so "at most N in any
1 s" and "at most M in any 60 s" hold exactly, whatever the clocks of the hosts say (Redis's
clock decides). Grants are per chunk, not per message, so the log stays small.
"""
import time
import uuid

# KEYS: one sorted set per limit. ARGV: n, then (limit, window ms) per key.
# Returns 0 when the n permits were granted, or the milliseconds to wait before asking again.
_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local n = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local used = 0
  for j = 1, #entries, 2 do
    used = used + tonumber(string.match(entries[j], '^(%d+):'))
  end
  if used + n > limit then
    -- wait until enough of the oldest grants leave the window
    local free = limit - n
    local k = 1
    while used > free and k <= #entries do
      used = used - tonumber(string.match(entries[k], '^(%d+):'))
      local until_ms = tonumber(entries[k + 1]) + window - now + 1
      if until_ms > wait then wait = until_ms end
      k = k + 2
    end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, n .. ':' .. ARGV[#ARGV])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]) + 1000)
end
return 0
"""


class RateLimiter:
    """Limits as (key, most permits, window seconds); `acquire(n)` blocks until n are granted."""

    def __init__(self, redis, limits):
        self.redis = redis
        self.limits = [(key, int(limit), float(window)) for key, limit, window in limits if limit]
        self._script = redis.register_script(_SCRIPT) if self.limits else None

    @property
    def largest_grant(self):
        """The most permits one call may ask for (a chunk never exceeds the smallest limit)."""
        return min((limit for _key, limit, _window in self.limits), default=None)

    def try_acquire(self, n):
        """0 when granted, else the seconds to wait."""
        if not self.limits or n <= 0:
            return 0.0
        args = [n]
        for _key, limit, window in self.limits:
            args += [limit, int(window * 1000)]
        args.append(uuid.uuid4().hex[:12])
        waited_ms = self._script(keys=[key for key, _l, _w in self.limits], args=args)
        return int(waited_ms) / 1000.0

    def acquire(self, n, keep_going=lambda: True, max_sleep=1.0):
        """Wait for n permits; returns False if `keep_going()` turned false while waiting."""
        while True:
            wait = self.try_acquire(n)
            if not wait:
                return True
            time.sleep(min(wait, max_sleep))
            if not keep_going():
                return False


def provider_key(channel, provider):
    return f"chapar:rate:{channel}:{provider or 'default'}"


def program_key(program_id):
    return f"chapar:rate:program:{program_id}"


def limiter_for(redis, channel, settings, program):
    """The provider's per-second limit and the program's per-minute throttle, as one limiter."""
    limits = []
    per_second = channel.rate_per_second(settings, program.provider)
    if per_second:
        # A fractional limit (0.5/s) becomes "1 per 2 s" so the window stays exact.
        limits.append((provider_key(channel.identifier, program.provider), max(1, int(per_second)),
                       1.0 if per_second >= 1 else 1.0 / per_second))
    if program.throttle_per_minute:
        limits.append((program_key(program.id), program.throttle_per_minute, 60.0))
    return RateLimiter(redis, limits)
