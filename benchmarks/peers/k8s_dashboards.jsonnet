// Peer: the kubernetes-mixin-sized dashboards (8 dashboards, 252 panels) in grafonnet style, the
// way kubernetes-mixin writes its own: query-building functions looped over a table of views.
// The table (benchmarks/k8s_mixin.py, peer_table()) is the one the specs are generated from,
// passed as the top-level argument `mixin`; every query, legend-free target, grid position and
// variable is built here, in jsonnet.
local g = import 'grafonnet-lite.libsonnet';
local ri = '[$__rate_interval]';

local matcher(label, v) =
  if std.isString(v) || std.isNumber(v) then '%s="%s"' % [label, v]
  else if std.isArray(v) then '%s=~"%s"' % [label, std.join('|', v)]
  else if std.objectHas(v, 'regex') then '%s=~"%s"' % [label, v.regex]
  else if std.objectHas(v, 'not_regex') then '%s!~"%s"' % [label, v.not_regex]
  else if std.objectHas(v, 'not') then '%s!="%s"' % [label, v.not]
  else '%s="%s"' % [label, v.equals];

local dashboard(c) =
  local selector = [matcher(k, c.selector[k]) for k in std.objectFields(c.selector)];
  local resolve(r) = if std.isString(r) then { metric: r, where: {}, by: [] } else { where: {}, by: [] } + r;
  // The series selector of a metric reference: job, the derived metric's and the panel's
  // matchers, then one matcher per dashboard variable the metric carries.
  local series(r, suffix='') =
    local ref = resolve(r);
    local m = c.catalog[ref.metric];
    local where = m.where + ref.where;
    local vars = ['%s=~"$%s"' % [v, v] for v in c.variables if std.member(m.labels, v)];
    '%s%s{%s}' % [m.name, suffix, std.join(',', selector + [matcher(k, where[k]) for k in std.objectFields(where)] + vars)];
  local sum(by, inner) = if std.length(by) == 0 then 'sum (%s)' % inner else 'sum by (%s) (%s)' % [std.join(', ', by), inner];
  local rateOf(r) = sum(resolve(r).by, 'rate(%s%s)' % [series(r), ri]);
  local valueOf(r) = sum(resolve(r).by, series(r));
  // A stat shows the gauge itself, or its largest value per group (as the compiler writes it).
  local statOf(r) = local by = resolve(r).by; if std.length(by) == 0 then series(r) else 'max by (%s) (%s)' % [std.join(', ', by), series(r)];
  local bucket(r) = 'sum by (le) (rate(%s%s))' % [series(r, '_bucket'), ri];
  local p(kind, title, exprs, unit, w) = { panel: g.panel[kind].new(title) + g.panel[kind].withTargets(exprs) + g.panel[kind].withUnit(unit), w: w };
  local slo(name) =
    local s = 'service="%s",slo="%s"' % [c.uid, name];
    [
      p('timeseries', 'SLO %s: error ratio vs budget' % name, ['slo:sli_error:ratio_rate5m{%s}' % s, 'slo:sli_error:ratio_rate30d{%s}' % s], 'percentunit', 12),
      p('stat', 'SLO %s: error budget left' % name, ['slo:period_error_budget_remaining:ratio{%s}' % s], 'percentunit', 4),
      p('timeseries', 'SLO %s: burn rate' % name, ['slo:sli_error:ratio_rate%s{%s} / %s' % [w, s, c.slos[name]] for w in ['1h', '6h', '1d', '3d']], 'short', 8),
    ];
  local panels(x) =
    if std.objectHas(x, 'slo') then slo(x.slo)
    else if std.objectHas(x, 'rate') then [p('timeseries', x.title, [rateOf(x.rate)], 'ops', 12)]
    else if std.objectHas(x, 'error_ratio') then [p('timeseries', x.title, ['%s / %s' % [rateOf(x.error_ratio), rateOf(x.total)]], 'percentunit', 12)]
    else if std.objectHas(x, 'gauge') then [p('gauge', x.title, ['%s / %s' % [valueOf(x.gauge), valueOf(x.of)]], 'percentunit', 6)]
    else if std.objectHas(x, 'stat') then [p('stat', x.title, [statOf(x.stat)], 'short', 6)]
    else if std.objectHas(x, 'heatmap') then [p('heatmap', x.title, [bucket(x.heatmap)], 's', 12)]
    else [p('timeseries', x.title, ['histogram_quantile(%s, %s)' % [q, bucket(x.percentiles)] for q in ['0.5', '0.95', '0.99']], 's', 12)];
  g.dashboard.new(c.uid)
  + g.dashboard.withUid(c.uid)
  + g.dashboard.withTags(['kubernetes-mixin'])
  + g.dashboard.withRefresh('1m')
  + g.dashboard.withVariables([g.variable.query(v, 'label_values(up{%s}, %s)' % [std.join(',', selector), v]) for v in c.variables])
  + g.dashboard.withPanels(g.util.grid([
    { row: g.panel.row.new(r.title), panels: std.flatMap(panels, r.panels) }
    for r in c.rows
  ]));

function(mixin) { [c.uid + '.json']: dashboard(c) for c in mixin }
