-- wrk script: single-point POST /api/data.
-- The body and API key come from the environment (set by bench/throughput.py) so the mock,
-- Prism and the bare app get byte-identical requests; the defaults match fixtures/demo.yaml.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or
  '{"bucketId":"507f1f77bcf86cd799439011","dataSourceId":"507f1f77bcf86cd799439015",' ..
  '"timestamp":"2024-01-15T10:30:00.000Z","values":{"temperature":22.5,"humidity":65.2},' ..
  '"metadata":{"deviceId":"ESP32-001","location":"Living Room"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("WRK_API_KEY") or "dakkio_w_homewrite0000000000000000000000000000000"
