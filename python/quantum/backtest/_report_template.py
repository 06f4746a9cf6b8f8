"""The HTML shell of the backtest report: one self-contained page (inline CSS and SVG, no scripts
from anywhere else), so it opens offline and can be mailed as one file."""

from __future__ import annotations

from string import Template
from typing import Final

__all__ = ["PAGE"]

PAGE: Final[Template] = Template(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  :root { color-scheme: light; --fg: #1d2330; --muted: #6b7385; --grid: #e3e6ec; --up: #1a9850;
          --down: #d73027; --line: #2c5aa0; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
         margin: 0 auto; max-width: 1040px; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 6px; }
  .muted, figcaption { color: var(--muted); font-size: 12px; }
  .warning { border-left: 4px solid var(--down); background: #fdf1f0; padding: 8px 12px;
             font-size: 12px; margin: 12px 0; }
  table.metrics { border-collapse: collapse; min-width: 420px; }
  table.metrics td { padding: 3px 14px 3px 0; border-bottom: 1px solid var(--grid); }
  table.metrics td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
  figure { margin: 0; }
  svg { display: block; width: 100%; height: auto; }
  svg text { font-size: 11px; fill: var(--muted); }
  .grid line { stroke: var(--grid); }
  .columns { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
</style>
</head>
<body>
<h1>$title</h1>
<div class="muted">$subtitle</div>
<div class="warning">$disclaimer</div>
<div class="columns">
<section>
<h2>Metrics</h2>
<table class="metrics">
$metrics_rows
</table>
</section>
</div>
<h2>Equity</h2>
<figure>$equity_svg<figcaption>Account equity (quote currency), sampled by the engine.</figcaption></figure>
<h2>Drawdown</h2>
<figure>$drawdown_svg<figcaption>Equity below its running peak, in percent.</figcaption></figure>
<h2>Trades on price</h2>
<figure>$price_svg<figcaption>$price_caption</figcaption></figure>
<h2>P&amp;L by hour and weekday</h2>
<figure>$heatmap_svg<figcaption>Net P&amp;L of closed trades by exit time (UTC); hover a cell
for its total and trade count.</figcaption></figure>
<script type="application/json" id="quantum-report-data">$data_json</script>
</body>
</html>
"""
)
