"""Funding streams (financieringsstromen) and the account a funder receives (verantwoording).

A stream is money from one funder for a period: flatcoach deployment in buildings (coach
assignments tagged with the stream, each for a period), Buurtkamer activities (tagged), or
themes of support (the help themes). The account of a stream counts what happened in what
it funds — aggregates only, under the small-cell rule that neighbourhood insight applies
(`policies.small_cells` through `app.insight.tables`); it never names a resident."""
