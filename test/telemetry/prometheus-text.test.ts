import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text';

// The metrics tests lean on this parser to reject malformed output, so it is checked itself.

const HISTOGRAM = ['# HELP h_seconds A histogram', '# TYPE h_seconds histogram', 'h_seconds_bucket{le="0.1",rpc="a"} 1', 'h_seconds_bucket{le="+Inf",rpc="a"} 2', 'h_seconds_sum{rpc="a"} 0.5', 'h_seconds_count{rpc="a"} 2'];

describe('the strict Prometheus text parser', () => {
  it('reads comments, labels with escapes, special values and histograms', () => {
    const families = parsePrometheusText(['# HELP c_total A "counter"', '# TYPE c_total counter', 'c_total{path="a\\"b\\\\c\\nd"} 3', '', '# TYPE g gauge', 'g Nan', ...HISTOGRAM, ''].join('\n'));
    expect(sampleValue(families, 'c_total', { path: 'a"b\\c\nd' })).toBe(3);
    expect(sampleValue(families, 'g')).toBeNaN();
    expect(sampleValue(families, 'h_seconds_count', { rpc: 'a' })).toBe(2);
    expect(families.get('c_total')).toMatchObject({ type: 'counter', help: 'A "counter"' });
  });

  const bad: [string, string[], RegExp][] = [
    ['a sample with no TYPE', ['x 1'], /no TYPE/],
    ['a stray comment', ['# TYPE x counter', '# hello', 'x 1'], /neither/],
    ['two spaces before the value', ['# TYPE x counter', 'x  1'], /one space/],
    ['a bad value', ['# TYPE x counter', 'x one'], /bad value/],
    ['an unknown escape', ['# TYPE x counter', 'x{a="\\t"} 1'], /bad escape/],
    ['an unterminated label', ['# TYPE x counter', 'x{a="b} 1'], /unterminated|expected/],
    ['a repeated label', ['# TYPE x counter', 'x{a="b",a="c"} 1'], /repeated/],
    ['a suffix the type does not have', ['# TYPE x counter', 'x_count 1'], /no TYPE/],
    ['+Inf bucket unequal to _count', [...HISTOGRAM.slice(0, 5), 'h_seconds_count{rpc="a"} 3'], /!= _count/],
    ['buckets that are not cumulative', ['# TYPE h histogram', 'h_bucket{le="1"} 2', 'h_bucket{le="+Inf"} 1', 'h_sum 1', 'h_count 1'], /cumulative/],
    ['a histogram without +Inf', ['# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_sum 1', 'h_count 1'], /\+Inf/],
    ['a histogram without _sum', ['# TYPE h histogram', 'h_bucket{le="+Inf"} 1', 'h_count 1'], /_sum/],
  ];
  it.each(bad)('rejects %s', (_, lines, message) => {
    expect(() => parsePrometheusText(`${lines.join('\n')}\n`)).toThrow(message);
  });

  it('rejects text without the final newline', () => {
    expect(() => parsePrometheusText('# TYPE x counter\nx 1')).toThrow(/newline/);
  });
});
