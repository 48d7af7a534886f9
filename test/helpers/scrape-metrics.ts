import { parsePrometheusText, type Family } from './prometheus-text';
import type { TestSidecar } from './test-sidecar';

/** GETs /metrics on 127.0.0.1:`port` as Prometheus does, checking the status and content type. */
export async function scrapePortText(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** The sidecar's /metrics (MetricsAddress) text. */
export function scrapeText(s: TestSidecar): Promise<string> {
  return scrapePortText(s.sidecar.metricsPort as number);
}

/** The sidecar's metrics, parsed strictly. */
export async function scrape(s: TestSidecar): Promise<Map<string, Family>> {
  return parsePrometheusText(await scrapeText(s));
}
