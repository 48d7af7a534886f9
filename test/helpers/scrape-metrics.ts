import { parsePrometheusText, type Family } from './prometheus-text';
import type { TestSidecar } from './test-sidecar';

/** GETs the sidecar's /metrics (MetricsAddress) as Prometheus does, checking the status and content type. */
export async function scrapeText(s: TestSidecar): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${s.sidecar.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** The sidecar's metrics, parsed strictly. */
export async function scrape(s: TestSidecar): Promise<Map<string, Family>> {
  return parsePrometheusText(await scrapeText(s));
}
