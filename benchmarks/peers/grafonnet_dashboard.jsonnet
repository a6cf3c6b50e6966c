// Peer: the sigil-dna dashboard (7 rows, 18 panels) with the real grafonnet (grafana/grafonnet,
// gen/grafonnet-v11.4.0), the same list as dashboard.jsonnet and panels.py. grafonnet is not
// vendored here: docs/performance.md says how to fetch it (jb install or git) and pass its folder.
local g = import 'github.com/grafana/grafonnet/gen/grafonnet-v11.4.0/main.libsonnet';
local sel = 'job="sigil-dna"';
local ri = '[$__rate_interval]';
local quantiles(metric) = ['histogram_quantile(%s, sum by (le) (rate(%s_bucket{%s}%s)))' % [q, metric, sel, ri] for q in ['0.5', '0.95', '0.99']];
local builders = {
  timeseries: g.panel.timeSeries,
  heatmap: g.panel.heatmap,
  stat: g.panel.stat,
  bargauge: g.panel.barGauge,
  stateTimeline: g.panel.stateTimeline,
};
local p(kind, title, exprs, unit, w) =
  local b = builders[kind];
  b.new(title)
  + b.queryOptions.withDatasource('prometheus', '${datasource}')
  + b.queryOptions.withTargets([g.query.prometheus.new('${datasource}', e) for e in exprs])
  + b.standardOptions.withUnit(unit)
  + b.gridPos.withW(w) + b.gridPos.withH(8);
local slo(name, budget) =
  local s = 'service="sigil-dna",slo="%s"' % name;
  [
    p('timeseries', 'SLO %s: error ratio vs budget' % name, ['slo:sli_error:ratio_rate5m{%s}' % s, 'slo:sli_error:ratio_rate30d{%s}' % s], 'percentunit', 12),
    p('stat', 'SLO %s: error budget left' % name, ['slo:period_error_budget_remaining:ratio{%s}' % s], 'percentunit', 4),
    p('timeseries', 'SLO %s: burn rate' % name, ['slo:sli_error:ratio_rate%s{%s} / %s' % [w, s, budget] for w in ['1h', '6h', '1d']], 'short', 8),
  ];
local row(title, panels) = g.panel.row.new(title) + g.panel.row.withPanels(panels);

g.dashboard.new('Sigil-DNA')
+ g.dashboard.withUid('sigil-dna')
+ g.dashboard.withTags(['sigil', 'dna'])
+ g.dashboard.withRefresh('1m')
+ g.dashboard.withPanels(g.util.grid.makeGrid([
  row('Latency', [
    p('heatmap', 'Encode latency heatmap', ['sum by (le) (rate(sigil_encode_duration_seconds_bucket{%s}%s))' % [sel, ri]], 's', 12),
    p('timeseries', 'Encode latency percentiles', quantiles('sigil_encode_duration_seconds'), 's', 12),
    p('heatmap', 'Verify latency heatmap', ['sum by (le) (rate(sigil_verify_duration_seconds_bucket{%s}%s))' % [sel, ri]], 's', 12),
    p('timeseries', 'Verify latency percentiles', quantiles('sigil_verify_duration_seconds'), 's', 12),
  ]),
  row('Resonance', [p('bargauge', 'Resonance distribution', ['sum by (le) (increase(sigil_resonance_strength_bucket{%s}[$__range]))' % sel], 'short', 12)]),
  row('Errors', [
    p('timeseries', 'Errors by operation', ['sum by (operation) (rate(sigil_error_total{%s,operation=~"$operation"}%s))' % [sel, ri]], 'ops', 12),
    p('timeseries', 'Encode error ratio', ['sum (rate(sigil_error_total{%s,operation="encode"}%s)) / sum (rate(sigil_encode_total{%s}%s))' % [sel, ri, sel, ri]], 'percentunit', 12),
  ]),
  row('Circuit breaker', [p('stateTimeline', 'Circuit state', ['dnastore_circuit_state{%s}' % sel], 'short', 24)]),
  row('Heavy tests', [
    p('timeseries', 'Heavy test runs by result', ['sum by (result) (rate(sigil_heavy_test_runs_total{%s,result=~"$result"}%s))' % [sel, ri]], 'ops', 12),
    p('stat', 'Last heavy test duration', ['sigil_heavy_test_duration_seconds{%s}' % sel], 's', 6),
  ]),
  row('Disk and DB', [
    p('stat', 'Disk free', ['dnastore_disk_free_bytes{%s}' % sel], 'bytes', 6),
    p('stat', 'Db up', ['dnastore_db_up{%s}' % sel], 'short', 6),
  ]),
  row('SLOs', slo('encode-availability', '0.001') + slo('encode-latency', '0.01')),
], panelWidth=12, panelHeight=8))
