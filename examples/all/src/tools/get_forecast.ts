import { ToolError } from '@mcpforge/runtime';
import { defineTool } from '../generated/registry.js';
import { describeWeatherCode, getJson, weatherConfig } from '../weather/open-meteo.js';

interface GeocodingResponse {
  results?: Array<{ name: string; country?: string; latitude: number; longitude: number }>;
}

interface ForecastResponse {
  daily: { time: string[]; temperature_2m_min: number[]; temperature_2m_max: number[]; weather_code: number[] };
}

const CACHE_SECONDS = 300;

export default defineTool('get_forecast', async (input, ctx) => {
  const days = input.days ?? 3;
  const key = `forecast:${input.city.trim().toLowerCase()}:${days}`;
  // Forecasts change slowly: one upstream round trip per city and horizon every few minutes.
  return ctx.cache.wrap(key, CACHE_SECONDS, async () => {
    const { forecastUrl, geocodingUrl } = weatherConfig();
    const geoUrl = new URL('/v1/search', geocodingUrl);
    geoUrl.search = new URLSearchParams({ name: input.city, count: '1', format: 'json' }).toString();
    const place = (await getJson<GeocodingResponse>(geoUrl, ctx.signal)).results?.[0];
    if (!place) throw new ToolError(`No city named "${input.city}" was found. Check the spelling or try a larger city nearby.`);

    const url = new URL('/v1/forecast', forecastUrl);
    url.search = new URLSearchParams({
      latitude: String(place.latitude),
      longitude: String(place.longitude),
      daily: 'temperature_2m_min,temperature_2m_max,weather_code',
      forecast_days: String(days),
      timezone: 'auto',
    }).toString();
    const { daily } = await getJson<ForecastResponse>(url, ctx.signal);
    const complete = daily.time.every(
      (_, i) => typeof daily.temperature_2m_min[i] === 'number' && typeof daily.temperature_2m_max[i] === 'number',
    );
    if (!complete) throw new ToolError('The weather service sent an incomplete forecast. Try again later.');
    ctx.log.debug({ city: place.name, days }, 'forecast fetched from upstream');
    return {
      city: place.name,
      ...(place.country ? { country: place.country } : {}),
      latitude: place.latitude,
      longitude: place.longitude,
      days: daily.time.map((date, i) => ({
        date,
        minC: daily.temperature_2m_min[i] as number,
        maxC: daily.temperature_2m_max[i] as number,
        summary: describeWeatherCode(daily.weather_code[i] ?? -1),
      })),
    };
  });
});
