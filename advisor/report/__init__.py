"""Rich renderers: turn the library's plain results into terminal reports."""
