"""The reports, one module each, named for the report: `pipeline` (per business area),
`budget` (budget comparison), `funnel`, `salespeople` (salesperson grid), `winloss`, `trend`,
`effort` (effort vs revenue), `movement`, `accuracy` (forecast accuracy) and `velocity`. Each
holds its query, its form where it has its own, and its page: a `base.ReportView`.

Shared, and public: `base` (the one flow of a report page), `figures` (what the queries share:
the filters, the drill-down links, `Figures`), `exports` (the export's title row and file name)
and `saved` (the reports page and the saved reports).
"""
