import { ToolError } from '@mcpforge/runtime';

/** Base URLs are configurable so tests (and self-hosted Open-Meteo) can play the upstream. */
export function weatherConfig() {
  return {
    forecastUrl: process.env.WEATHER_API_URL ?? 'https://api.open-meteo.com',
    geocodingUrl: process.env.WEATHER_GEOCODING_URL ?? 'https://geocoding-api.open-meteo.com',
  };
}

export async function getJson<T>(url: URL, signal: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ToolError(`The weather service at ${url.origin} could not be reached (${(error as Error).message}). Try again later.`);
  }
  if (!response.ok) {
    throw new ToolError(`The weather service answered HTTP ${response.status} for ${url.pathname}. Try again later.`);
  }
  return (await response.json()) as T;
}

/** WMO weather interpretation codes, as used by Open-Meteo. */
const WMO_CODES: Record<number, string> = {
  0: 'clear sky',
  1: 'mainly clear',
  2: 'partly cloudy',
  3: 'overcast',
  45: 'fog',
  48: 'rime fog',
  51: 'light drizzle',
  53: 'drizzle',
  55: 'dense drizzle',
  61: 'light rain',
  63: 'rain',
  65: 'heavy rain',
  71: 'light snow',
  73: 'snow',
  75: 'heavy snow',
  80: 'rain showers',
  81: 'heavy rain showers',
  82: 'violent rain showers',
  95: 'thunderstorm',
  96: 'thunderstorm with hail',
  99: 'thunderstorm with heavy hail',
};

export function describeWeatherCode(code: number): string {
  return WMO_CODES[code] ?? `weather code ${code}`;
}
