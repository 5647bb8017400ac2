"""Dataset card templates (Markdown with Hub YAML metadata), rendered by xbrlkit.datasets.export."""
