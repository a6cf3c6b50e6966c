// A grafonnet-style library written for the benchmark: builders are objects with new() and
// withX() mixins combined with `+`, the way grafonnet (grafana/grafonnet) composes panels.
{
  local panelBase(type) = {
    new(title):: { type: type, title: title, datasource: { type: 'prometheus', uid: '${datasource}' }, targets: [], fieldConfig: { defaults: {}, overrides: [] }, options: {} },
  },
  local common = {
    withUnit(unit):: { fieldConfig+: { defaults+: { unit: unit } } },
    withGridPos(h, w, x, y):: { gridPos: { h: h, w: w, x: x, y: y } },
    withTargets(exprs):: { targets: [{ expr: exprs[i], refId: std.char(65 + i), datasource: { type: 'prometheus', uid: '${datasource}' } } for i in std.range(0, std.length(exprs) - 1)] },
    withId(id):: { id: id },
  },
  panel: {
    timeseries: panelBase('timeseries') + common,
    heatmap: panelBase('heatmap') + common,
    stat: panelBase('stat') + common,
    bargauge: panelBase('bargauge') + common,
    stateTimeline: panelBase('state-timeline') + common,
    gauge: panelBase('gauge') + common,
    row: { new(title):: { type: 'row', title: title, collapsed: false, panels: [] } } + common,
  },
  dashboard: {
    new(title):: { title: title, schemaVersion: 39, editable: true, time: { from: 'now-6h', to: 'now' }, panels: [] },
    withUid(uid):: { uid: uid },
    withTags(tags):: { tags: tags },
    withRefresh(refresh):: { refresh: refresh },
    withPanels(panels):: { panels: panels },
    withVariables(variables):: { templating: { list: variables } },
  },
  variable: {
    query(name, query):: { type: 'query', name: name, label: name, query: query, refresh: 2, includeAll: true, multi: true, allValue: '.*', current: { text: 'All', value: '$__all' } },
  },
  util: {
    // Lay rows of panels out on the 24-column grid, numbering every panel, like grafonnet's util.grid.
    grid(rows)::
      local place(acc, row) =
        local header = row.row + common.withGridPos(1, 24, 0, acc.y) + common.withId(acc.id);
        local step(state, p) =
          local wrap = state.x + p.w > 24;
          local x = if wrap then 0 else state.x;
          local y = if wrap then state.y + 8 else state.y;
          { x: x + p.w, y: y, id: state.id + 1, out: state.out + [p.panel + common.withGridPos(8, p.w, x, y) + common.withId(state.id)] };
        local laid = std.foldl(step, row.panels, { x: 0, y: acc.y + 1, id: acc.id + 1, out: [] });
        { y: laid.y + 8, id: laid.id, out: acc.out + [header] + laid.out };
      std.foldl(place, rows, { y: 0, id: 1, out: [] }).out,
  },
}
