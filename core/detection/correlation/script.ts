/**
 * The Lua script that keeps one correlation group's window in Redis. Each call is atomic: it adds a group's events
 * (in event-time order), trims and caps the window, evaluates the condition, records a firing and resets the window,
 * all without another worker seeing a half-updated state.
 *
 * Keys of one group (all under the rule's hash tag, so they share a cluster slot):
 *   M  hash   window state: max (newest event time), fu / fx (last firing's end time and the event ids at that time),
 *             ob / cb (bucket mode: open bucket, first bucket not yet closed), sum / cnt (value_sum / value_avg,
 *             over the window's events and slices), z<n> (value_sum / value_avg: "sum count" of the events pushed out
 *             by the cap, per timespan/64-long slice n), r<i> (temporal: newest time of referenced rule i),
 *             gk (the group's key, JSON)
 *   E  zset   member = event id, score = event time (ms): the window's events, for dedupe, counting and the firing
 *   X  hash   event id → JSON [rule index, host, value]
 *   V  zset   value_count: member = distinct value, score = newest time it was seen
 * and of the rule:
 *   G  zset   member = group id, score = the group's newest event time: which groups exist, oldest evicted first
 *   O  zset   bucket mode: member = group id, score = end of its open bucket, for sweep()
 *
 * ARGV: 1 kind (ec|vc|t|to|sum|avg|pct), 2 mode (s = sliding, b = bucket), 3 timespan ms, 4 ttl ms, 5 cap,
 * 6 max groups, 7 group id, 8 key base (prefix of every group key), 9..14 gt gte lt lte eq neq ('' = unset),
 * 15 number of referenced rules, 16 percentile ('' = rarest-value share), 17 group key JSON, 18 op (update|close),
 * 19 now ms (close), 20 grace ms (close), 21 number of events, then 5 per event: member, time ms, rule index (1-based),
 * value, host.
 *
 * Returns the firings: each { window start ms, window end ms, value, group key JSON, then member, time, host per event }.
 */
export const CORRELATION_SCRIPT = String.raw`
local M, E, X, V, G, O = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local kind, mode = ARGV[1], ARGV[2]
local span, ttl, cap, maxGroups = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local gid, base = ARGV[7], ARGV[8]
local function opt(s) if s == nil or s == '' then return nil end return tonumber(s) end
local c_gt, c_gte, c_lt, c_lte, c_eq, c_neq = opt(ARGV[9]), opt(ARGV[10]), opt(ARGV[11]), opt(ARGV[12]), opt(ARGV[13]), opt(ARGV[14])
local nRules, pct, gk, op = tonumber(ARGV[15]), opt(ARGV[16]), ARGV[17], ARGV[18]

local function fmt(x) return string.format('%.0f', x) end
local function fmtv(x) return string.format('%.17g', x) end
local function lowerOk(v) return (c_gt == nil or v > c_gt) and (c_gte == nil or v >= c_gte) end
local function condOk(v)
  if v == nil or not lowerOk(v) then return false end
  if c_lt ~= nil and not (v < c_lt) then return false end
  if c_lte ~= nil and not (v <= c_lte) then return false end
  if c_eq ~= nil and v ~= c_eq then return false end
  if c_neq ~= nil and v == c_neq then return false end
  return true
end

local existed = redis.call('ZSCORE', G, gid)
local h = redis.call('HMGET', M, 'max', 'fu', 'fx', 'sum', 'cnt', 'ob', 'cb', 'gk')
local maxTs, fu, sum, cnt, ob, cb = tonumber(h[1]), tonumber(h[2]), tonumber(h[4]) or 0, tonumber(h[5]) or 0, tonumber(h[6]), tonumber(h[7])
if op == 'close' then gk = h[8] or '' end
local fx = {}
if h[3] and h[3] ~= '' then for _, id in ipairs(cjson.decode(h[3])) do fx[id] = true end end
-- value_sum / value_avg: events pushed out by the cap keep counting as sub-totals of timespan/64-long slices.
local numeric = kind == 'sum' or kind == 'avg'
local slice = math.max(1, math.floor(span / 64))
local over, overLoaded = {}, {}
if numeric then
  local all = redis.call('HGETALL', M)
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 1) == 'z' then
      local s1, c1 = string.match(all[i + 1], '^(%S+) (%S+)$')
      local b = tonumber(string.sub(all[i], 2))
      over[b] = { tonumber(s1), tonumber(c1) }
      overLoaded[#overLoaded + 1] = all[i]
    end
  end
end
local rt = {}
if kind == 't' or kind == 'to' then
  local names = {}
  for i = 1, nRules do names[i] = 'r' .. i end
  local r = redis.call('HMGET', M, unpack(names))
  for i = 1, nRules do rt[i] = tonumber(r[i]) end
end
local firings = {}
local changed = false

-- Reads the members of E in time order with their payloads.
local function members()
  local r = redis.call('ZRANGE', E, 0, -1, 'WITHSCORES')
  local ids, ts, ps = {}, {}, {}
  for i = 1, #r, 2 do ids[#ids + 1] = r[i]; ts[#ts + 1] = tonumber(r[i + 1]) end
  local i = 1
  while i <= #ids do
    local j = math.min(i + 499, #ids)
    local chunk = {}
    for k = i, j do chunk[#chunk + 1] = ids[k] end
    local got = redis.call('HMGET', X, unpack(chunk))
    for k = 1, #got do
      if got[k] then ps[i + k - 1] = cjson.decode(got[k]) else ps[i + k - 1] = {0, '', ''} end
    end
    i = j + 1
  end
  return ids, ts, ps
end

-- Removes events from the window: out of the running sum, or (tss given: pushed out by the cap) into the slices.
local function drop(ids, tss)
  local i = 1
  while i <= #ids do
    local j = math.min(i + 499, #ids)
    local chunk = {}
    for k = i, j do chunk[#chunk + 1] = ids[k] end
    if numeric then
      local got = redis.call('HMGET', X, unpack(chunk))
      for k = 1, #got do
        if got[k] then
          local v = tonumber(cjson.decode(got[k])[3])
          if v then
            if tss then
              local b = math.floor(tss[i + k - 1] / slice)
              local o = over[b] or { 0, 0 }
              o[1] = o[1] + v; o[2] = o[2] + 1
              over[b] = o
            else
              sum = sum - v; cnt = cnt - 1
            end
          end
        end
      end
    end
    redis.call('HDEL', X, unpack(chunk))
    redis.call('ZREM', E, unpack(chunk))
    i = j + 1
  end
  if cnt <= 0 then cnt = 0; sum = 0 end
end

-- Sliding mode: events older than the timespan before the newest are out. Both modes: at most cap entries.
local function trim()
  if mode == 's' then
    local cutoff = '(' .. fmt(maxTs - span)
    drop(redis.call('ZRANGEBYSCORE', E, '-inf', cutoff))
    if kind == 'vc' then redis.call('ZREMRANGEBYSCORE', V, '-inf', cutoff) end
    for b, o in pairs(over) do
      if (b + 1) * slice <= maxTs - span then sum = sum - o[1]; cnt = cnt - o[2]; over[b] = nil end
    end
    if cnt <= 0 then cnt = 0; sum = 0 end
  end
  local extra = redis.call('ZCARD', E) - cap
  if extra > 0 then
    local r = redis.call('ZRANGE', E, 0, extra - 1, 'WITHSCORES')
    local ids, tss = {}, {}
    for k = 1, #r, 2 do ids[#ids + 1] = r[k]; tss[#tss + 1] = tonumber(r[k + 1]) end
    drop(ids, numeric and tss or nil)
  end
  if kind == 'vc' then
    local ev = redis.call('ZCARD', V) - cap
    if ev > 0 then redis.call('ZREMRANGEBYRANK', V, 0, ev - 1) end
  end
end

local function rulesSeen()
  local n = 0
  for i = 1, nRules do
    if rt[i] ~= nil and (mode == 'b' or rt[i] >= maxTs - span) then n = n + 1 end
  end
  return n
end

-- The aggregate of the window, as the condition compares it.
local function value()
  if kind == 'ec' then return redis.call('ZCARD', E) end
  if kind == 'vc' then return redis.call('ZCARD', V) end
  if kind == 't' then return rulesSeen() end
  if kind == 'sum' then return sum end
  if kind == 'avg' then if cnt > 0 then return sum / cnt end return nil end
  if kind == 'to' then
    local u = rulesSeen()
    -- The ordered count is at most the unordered one: no need to look at the order when that already fails.
    if u == 0 or (mode == 's' and not lowerOk(u)) then return u end
    local ids, ts, ps = members()
    local nxt, i = 1, 1
    while i <= #ids and nxt <= nRules do
      local j = i
      while j < #ids and ts[j + 1] == ts[i] do j = j + 1 end
      -- Events at the same time may count in either order.
      local used, progressed = {}, true
      while progressed and nxt <= nRules do
        progressed = false
        for k = i, j do
          if not used[k] and tonumber(ps[k][1]) == nxt then used[k] = true; nxt = nxt + 1; progressed = true; break end
        end
      end
      i = j + 1
    end
    return nxt - 1
  end
  if kind == 'pct' then
    local ids, ts, ps = members()
    if #ids == 0 then return nil end
    if pct ~= nil then
      local vals = {}
      for k = 1, #ps do local v = tonumber(ps[k][3]); if v then vals[#vals + 1] = v end end
      if #vals == 0 then return nil end
      table.sort(vals)
      local rank = math.max(1, math.ceil(pct / 100 * #vals))
      return vals[rank]
    end
    -- Share (in percent) of the window's events that carry its rarest value.
    local counts = {}
    for k = 1, #ps do local v = ps[k][3]; counts[v] = (counts[v] or 0) + 1 end
    local least = nil
    for _, c in pairs(counts) do if least == nil or c < least then least = c end end
    return 100 * least / #ids
  end
  return nil
end

local function clear()
  redis.call('DEL', E, X, V)
  sum, cnt, rt, over = 0, 0, {}, {}
  changed = true
end

local function fire(v, ws, we)
  local ids, ts, ps = members()
  local f = { fmt(ws or ts[1]), fmt(we or maxTs), fmtv(v), gk }
  for k = 1, #ids do
    f[#f + 1] = ids[k]; f[#f + 1] = fmt(ts[k]); f[#f + 1] = ps[k][2]
  end
  firings[#firings + 1] = f
  if mode == 's' then
    fu = maxTs
    fx = {}
    for k = 1, #ids do if ts[k] == maxTs then fx[ids[k]] = true end end
  end
  clear()
end

-- Bucket mode: the open bucket is decided once, when it closes.
local function closeBucket()
  local v = value()
  if condOk(v) then fire(v, ob * span, (ob + 1) * span - 1) else clear() end
  cb = ob + 1
  ob = nil
  redis.call('ZREM', O, gid)
end

if op == 'close' then
  if ob ~= nil and (ob + 1) * span + tonumber(ARGV[20]) <= tonumber(ARGV[19]) then closeBucket()
  elseif ob == nil then redis.call('ZREM', O, gid) end
  if not changed then return firings end
else
  -- A new group: make room by evicting the groups whose newest event is oldest.
  if not existed then
    local over = redis.call('ZCARD', G) - maxGroups + 1
    if over > 0 then
      local victims = redis.call('ZRANGE', G, 0, over - 1)
      for _, v in ipairs(victims) do
        redis.call('DEL', base .. v .. ':m', base .. v .. ':e', base .. v .. ':x', base .. v .. ':v')
        redis.call('ZREM', O, v)
      end
      redis.call('ZREM', G, unpack(victims))
    end
  end
  local n = tonumber(ARGV[21])
  for e = 0, n - 1 do
    local a = 22 + e * 5
    local id, ts, ri, val, host = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4]
    local accept = true
    if mode == 's' then
      -- Already part of a window that fired, or older than the timespan before the newest event seen.
      if fu ~= nil and (ts < fu or (ts == fu and fx[id])) then accept = false
      elseif maxTs ~= nil and ts < maxTs - span then accept = false end
    else
      local eb = math.floor(ts / span)
      if (cb ~= nil and eb < cb) or (ob ~= nil and eb < ob) then accept = false
      else
        if ob ~= nil and eb > ob then closeBucket() end
        if ob == nil then
          ob = eb
          redis.call('ZADD', O, fmt((ob + 1) * span), gid)
        end
      end
    end
    if accept and redis.call('ZSCORE', E, id) then accept = false end
    if accept then
      changed = true
      redis.call('ZADD', E, fmt(ts), id)
      redis.call('HSET', X, id, cjson.encode({ ri, host, val }))
      if maxTs == nil or ts > maxTs then maxTs = ts end
      if kind == 'vc' then
        local s = redis.call('ZSCORE', V, val)
        if not s or tonumber(s) < ts then redis.call('ZADD', V, fmt(ts), val) end
      elseif kind == 'sum' or kind == 'avg' then
        local v = tonumber(val)
        if v then sum = sum + v; cnt = cnt + 1 end
      elseif kind == 't' or kind == 'to' then
        if rt[ri] == nil or ts > rt[ri] then rt[ri] = ts end
      end
      trim()
      if mode == 's' then
        local v = value()
        if condOk(v) then fire(v, nil, nil) end
      end
    end
  end
  if maxTs == nil then return firings end
end

-- Save the state and let every key expire on its own.
local set, del = { 'max', fmt(maxTs), 'sum', fmtv(sum), 'cnt', fmt(cnt), 'gk', gk }, {}
local function put(k, v) if v == nil then del[#del + 1] = k else set[#set + 1] = k; set[#set + 1] = v end end
put('fu', fu and fmt(fu) or nil)
local fxl = {}
for id in pairs(fx) do fxl[#fxl + 1] = id end
table.sort(fxl)
put('fx', #fxl > 0 and cjson.encode(fxl) or nil)
put('ob', ob and fmt(ob) or nil)
put('cb', cb and fmt(cb) or nil)
if kind == 't' or kind == 'to' then
  for i = 1, nRules do put('r' .. i, rt[i] and fmt(rt[i]) or nil) end
end
if numeric then
  for _, k in ipairs(overLoaded) do del[#del + 1] = k end
  for b, o in pairs(over) do
    local k = 'z' .. fmt(b)
    for d = #del, 1, -1 do if del[d] == k then table.remove(del, d) end end
    set[#set + 1] = k; set[#set + 1] = fmtv(o[1]) .. ' ' .. fmt(o[2])
  end
end
redis.call('HSET', M, unpack(set))
if #del > 0 then redis.call('HDEL', M, unpack(del)) end
for _, k in ipairs({ M, E, X, V }) do redis.call('PEXPIRE', k, ttl) end
if op ~= 'close' then redis.call('ZADD', G, fmt(maxTs), gid) end
redis.call('PEXPIRE', G, ttl)
if redis.call('EXISTS', O) == 1 then redis.call('PEXPIRE', O, ttl) end
return firings
`;
