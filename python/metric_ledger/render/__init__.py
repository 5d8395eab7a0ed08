"""Every rendering of a library result, one module per command's output.

``gate`` (text, Markdown, GitHub annotations, JSON), ``notices`` (Markdown, JSON), ``summary``
(the terminal, rich), ``impact`` (text, Markdown, JSON), ``backtest`` (text, JSON) and
``document`` (the pre-mortem pack's document model as Markdown and HTML). Renderers only
format: every number comes computed from the library or the warehouse.
"""
