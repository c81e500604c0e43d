package redisstore

import "github.com/redis/go-redis/v9"

// Lua scripts. Lua numbers are doubles, exact for integers up to 2^53, so
// absolute times are never held in nanoseconds (1.9e18 would round):
// counters, distinct counts and marks work in microseconds since the
// epoch (exact until year 2255); the limiter stores its TAT as
// "seconds.nanoseconds" and computes in nanoseconds relative to now
// (exact for spans under 104 days), matching store.Memory to the
// nanosecond. Numbers passed back to redis.call are formatted with
// string.format, because Lua 5.1's default conversion keeps only 14
// significant digits.
//
// ARGV[1] of every script is the test clock (Config.Now) as
// "seconds.nanoseconds", or "" to use Redis's TIME. ttl turns a duration
// into a PEXPIRE argument; under a test clock, which Redis's expiry does
// not follow, keys live at least a minute of real time. That is always
// safe: expiry only collects garbage, the scripts themselves treat a dead
// TAT, window or mark as absent.
const luaClock = `
local function split_time(s)
  local dot = string.find(s, '.', 1, true)
  if not dot then return nil end
  local sec, ns = tonumber(string.sub(s, 1, dot - 1)), tonumber(string.sub(s, dot + 1))
  if not sec or not ns or sec ~= sec or math.abs(sec) > 1e12 or not (ns >= 0 and ns < 1e9) then return nil end
  return sec, ns
end
local function clock(arg)
  if arg ~= '' then return split_time(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]), tonumber(t[2]) * 1000
end
local function clock_us(arg)
  local sec, ns = clock(arg)
  return sec * 1000000 + math.floor(ns / 1000)
end
local function ttl(us)
  local ms = math.ceil(us / 1000)
  if ARGV[1] ~= '' and ms < 60000 then ms = 60000 end
  if ms < 1 then ms = 1 end
  return string.format('%.0f', ms)
end
`

// luaGCRA decides several GCRA limits of one key together: the
// arithmetic of store's gcra and gcraAll, in nanoseconds relative to now.
// KEYS[i] holds limit i's TAT (all keys share one hash tag, so one slot);
// it expires when the limit is back to a full burst. ARGV: clock, cost,
// then interval ns and burst of each limit. Nothing is written unless
// every limit admits; a limit that had room when another refused reports
// its untouched state. Returns {all admitted 0/1, then per limit:
// allowed 0/1, remaining, retry after ns (-1: never), reset after ns}.
const luaGCRA = luaClock + `
local now_s, now_ns = clock(ARGV[1])
local cost = tonumber(ARGV[2])
local n = #KEYS
local intervals, spans, tats, news = {}, {}, {}, {}
local out = {1}
local function remaining(i, after)
  local r = math.floor((spans[i] - after) / intervals[i])
  if r < 0 then return 0 end
  return r
end
for i = 1, n do
  local interval = tonumber(ARGV[1 + 2 * i])
  local burst = tonumber(ARGV[2 + 2 * i])
  intervals[i], spans[i] = interval, interval * burst
  local tat = 0
  local stored = redis.call('GET', KEYS[i])
  if stored then
    local s, ns = split_time(stored)
    if not s then return redis.error_reply('ERR rampart: gcra state is not a time') end
    local rel = (s - now_s) * 1e9 + (ns - now_ns)
    -- No valid limit's span exceeds 2^63/4 ns (store.CheckAllow).
    if rel > 2.4e18 then return redis.error_reply('ERR rampart: gcra state is in the far future') end
    if rel > 0 then tat = rel end
  end
  tats[i] = tat
  local o = 4 * i - 2
  local new = tat + cost * interval
  if cost > burst then
    out[1] = 0
    out[o], out[o + 1], out[o + 2], out[o + 3] = 0, remaining(i, tat), -1, tat
  elseif new - spans[i] > 0 then
    out[1] = 0
    out[o], out[o + 1], out[o + 2], out[o + 3] = 0, remaining(i, tat), new - spans[i], tat
  else
    news[i] = new
    out[o], out[o + 1], out[o + 2], out[o + 3] = 1, remaining(i, new), 0, new
  end
end
for i = 1, n do
  local o = 4 * i - 2
  if out[1] == 0 then
    if out[o] == 1 then out[o + 1], out[o + 3] = remaining(i, tats[i]), tats[i] end
  elseif cost > 0 and news[i] > 0 then
    local total = now_ns + news[i]
    local carry = math.floor(total / 1e9)
    redis.call('SET', KEYS[i], string.format('%.0f.%09.0f', now_s + carry, total - carry * 1e9), 'PX', ttl(news[i] / 1000))
  end
end
return out
`

// luaIncr adds to a fixed-window counter. KEYS[1] is a hash {s: window
// start µs, c: count}. ARGV: clock, window µs, n. Returns the count.
const luaIncr = luaClock + `
local now = clock_us(ARGV[1])
local window = tonumber(ARGV[2])
local start = now - (now % window)
local cur = redis.call('HGET', KEYS[1], 's')
local count
if cur and tonumber(cur) == start then
  count = redis.call('HINCRBY', KEYS[1], 'c', ARGV[3])
else
  redis.call('HSET', KEYS[1], 's', string.format('%.0f', start), 'c', ARGV[3])
  count = tonumber(ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ttl(start + window - now))
return count
`

// luaDistinct adds a member to a windowed HyperLogLog. KEYS[1] holds the
// window start, KEYS[2] the HyperLogLog. ARGV: clock, window µs, member.
// Returns the count.
const luaDistinct = luaClock + `
local now = clock_us(ARGV[1])
local window = tonumber(ARGV[2])
local start = now - (now % window)
local px = ttl(start + window - now)
local cur = redis.call('GET', KEYS[1])
if not cur or tonumber(cur) ~= start then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[1], string.format('%.0f', start), 'PX', px)
end
redis.call('PFADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], px)
return redis.call('PFCOUNT', KEYS[2])
`

// Marks: KEYS[1] is a hash key -> encoded mark, KEYS[2] a sorted set key
// -> until (µs). A mark is live while until > now.

// luaPutMark prunes up to 100 dead marks, then stores one. ARGV: clock,
// key, encoded mark, until µs, max live marks. Returns 1 stored, 0
// deleted (until already passed), -1 full.
const luaPutMark = luaClock + `
local now = clock_us(ARGV[1])
local nows = string.format('%.0f', now)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nows, 'LIMIT', 0, 100)
if #dead > 0 then
  redis.call('HDEL', KEYS[1], unpack(dead))
  redis.call('ZREM', KEYS[2], unpack(dead))
end
if tonumber(ARGV[4]) <= now then
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 0
end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) and redis.call('ZCOUNT', KEYS[2], '(' .. nows, '+inf') >= tonumber(ARGV[5]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local px = ttl(tonumber(last[2]) - now)
redis.call('PEXPIRE', KEYS[1], px)
redis.call('PEXPIRE', KEYS[2], px)
return 1
`

// luaGetMark returns a live mark's encoding, or nil. ARGV: clock, key.
const luaGetMark = luaClock + `
local now = clock_us(ARGV[1])
local exp = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not exp or tonumber(exp) <= now then return false end
return redis.call('HGET', KEYS[1], ARGV[2])
`

// luaGetMarks is luaGetMark for several keys: a table with each key's
// live mark encoding, or false (a nil element of the reply). ARGV: clock,
// then the keys.
const luaGetMarks = luaClock + `
local now = clock_us(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local exp = redis.call('ZSCORE', KEYS[2], ARGV[i])
  local mark = false
  if exp and tonumber(exp) > now then mark = redis.call('HGET', KEYS[1], ARGV[i]) end
  out[i - 1] = mark
end
return out
`

// luaDeleteMark deletes a mark; returns 1 if a live one was there. ARGV:
// clock, key.
const luaDeleteMark = luaClock + `
local now = clock_us(ARGV[1])
local exp = redis.call('ZSCORE', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
if exp and tonumber(exp) > now then return 1 end
return 0
`

// luaListMarks returns live marks, latest until first, as a flat array
// {key1, mark1, key2, mark2, ...}. ARGV: clock, limit (<= 0: all).
// HMGET goes in chunks: Lua's unpack has a small stack.
const luaListMarks = luaClock + `
local now = clock_us(ARGV[1])
local min = string.format('(%.0f', now)
local limit = tonumber(ARGV[2])
local keys
if limit > 0 then
  keys = redis.call('ZREVRANGEBYSCORE', KEYS[2], '+inf', min, 'LIMIT', 0, limit)
else
  keys = redis.call('ZREVRANGEBYSCORE', KEYS[2], '+inf', min)
end
local out = {}
for i = 1, #keys, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #keys) do chunk[#chunk + 1] = keys[j] end
  local vals = redis.call('HMGET', KEYS[1], unpack(chunk))
  for j, k in ipairs(chunk) do
    if vals[j] then
      out[#out + 1] = k
      out[#out + 1] = vals[j]
    end
  end
end
return out
`

// scripts holds the loaded scripts of one Store.
type scripts struct {
	gcra, incr, distinct, putMark, getMark, getMarks, deleteMark, listMarks *redis.Script
}

func newScripts() scripts {
	return scripts{
		gcra:       redis.NewScript(luaGCRA),
		incr:       redis.NewScript(luaIncr),
		distinct:   redis.NewScript(luaDistinct),
		putMark:    redis.NewScript(luaPutMark),
		getMark:    redis.NewScript(luaGetMark),
		getMarks:   redis.NewScript(luaGetMarks),
		deleteMark: redis.NewScript(luaDeleteMark),
		listMarks:  redis.NewScript(luaListMarks),
	}
}

// sources are the scripts' texts, for SCRIPT LOAD.
func (scripts) sources() []string {
	return []string{luaGCRA, luaIncr, luaDistinct, luaPutMark, luaGetMark, luaGetMarks, luaDeleteMark, luaListMarks}
}
