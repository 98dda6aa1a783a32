"""Adapters that plug filterkit into crawlers and data pipelines."""
