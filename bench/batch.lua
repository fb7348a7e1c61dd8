-- wrk script: POST /api/data/batch with 1000 points per request, every point with its own
-- timestamp (1 s apart, continuing from request to request), built in Lua for each request so
-- the client stays light. Same points as bench/batch.py's body_for(); ids and key come from the
-- environment (set by bench/batch.py).
local BATCH = 1000
local T0 = tonumber(os.getenv("BATCH_T0") or "1735689600")    -- 2025-01-01T00:00:00Z
local block = tonumber(os.getenv("BATCH_FIRST_BLOCK") or "1000")
local bucket = os.getenv("BATCH_BUCKET_ID") or "507f1f77bcf86cd799439011"
local source = os.getenv("BATCH_SOURCE_ID") or "507f1f77bcf86cd799439015"
local headers = {["Content-Type"] = "application/json",
                 ["X-API-Key"] = os.getenv("WRK_API_KEY") or "dakkio_w_homewrite0000000000000000000000000000000"}
local head = '{"bucketId":"' .. bucket .. '","dataPoints":['
local point_head = '{"dataSourceId":"' .. source .. '","timestamp":"'
local tails = {}
for j = 0, BATCH - 1 do
  tails[j + 1] = string.format(
    '.000Z","values":{"temperature":%.2f,"humidity":%.1f},' ..
    '"metadata":{"deviceId":"ESP32-00%d","location":"Living Room"}}',
    20 + (j % 100) * 0.05, 40 + (j % 37) * 0.5, j % 4)
end

request = function()
  local base = T0 + block * BATCH
  block = block + 1
  local parts = {}
  for j = 1, BATCH do
    parts[j] = point_head .. os.date("!%Y-%m-%dT%H:%M:%S", base + j - 1) .. tails[j]
  end
  return wrk.format("POST", "/api/data/batch", headers, head .. table.concat(parts, ",") .. "]}")
end
