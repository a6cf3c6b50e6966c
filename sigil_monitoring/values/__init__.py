"""Neutral value types and their maths, shared by the spec, the IR, the compilers and the drill.

``units`` (durations, objectives, thresholds and their exact decimal text), ``matchers`` (label
matchers, parsed and printed as PromQL writes them) and ``burn_rates`` (multi-window burn-rate
maths). None of them imports the spec, the IR or a compiler: they sit below all three.
"""
