/** A local HTTP server that plays the Open-Meteo geocoding and forecast APIs for tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WeatherUpstream {
  url: string;
  hits: { search: number; forecast: number };
  close(): Promise<void>;
}

const CITIES: Record<string, { name: string; country: string; latitude: number; longitude: number }> = {
  berlin: { name: 'Berlin', country: 'Germany', latitude: 52.52, longitude: 13.41 },
  lisbon: { name: 'Lisbon', country: 'Portugal', latitude: 38.72, longitude: -9.14 },
};

export async function startWeatherUpstream(): Promise<WeatherUpstream> {
  const hits = { search: 0, forecast: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/v1/search') {
      hits.search++;
      const city = CITIES[(url.searchParams.get('name') ?? '').toLowerCase()];
      // Like Open-Meteo: no `results` key at all when nothing matches.
      res.end(JSON.stringify(city ? { results: [city] } : { generationtime_ms: 0.1 }));
      return;
    }
    if (url.pathname === '/v1/forecast') {
      hits.forecast++;
      const days = Number(url.searchParams.get('forecast_days') ?? '7');
      // Real calendar days (a 7-day forecast from Nov 25 crosses into December).
      const time = Array.from({ length: days }, (_, i) => new Date(Date.UTC(2026, 10, 25 + i)).toISOString().slice(0, 10));
      res.end(
        JSON.stringify({
          daily: {
            time,
            temperature_2m_min: time.map((_, i) => 1 + i),
            temperature_2m_max: time.map((_, i) => 8 + i),
            weather_code: time.map((_, i) => [0, 3, 61][i % 3]),
          },
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
