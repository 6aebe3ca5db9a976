-- wrk script for bench/http.mjs: POSTs one JSON-RPC body with the MCP headers given in env vars
-- and prints one machine-readable line (RESULT {...}) when the run ends.
wrk.method = "POST"
wrk.body = os.getenv("MCP_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local pv = os.getenv("MCP_PV")
if pv and pv ~= "" then wrk.headers["MCP-Protocol-Version"] = pv end
local key = os.getenv("MCP_API_KEY")
if key and key ~= "" then wrk.headers["X-API-Key"] = key end
local method = os.getenv("MCP_METHOD")
if method and method ~= "" then
  wrk.headers["Mcp-Method"] = method
  wrk.headers["Mcp-Name"] = os.getenv("MCP_NAME")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p99_us":%d,"max_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
