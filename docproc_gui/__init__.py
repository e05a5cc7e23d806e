"""DocProc: turns a pile of documents into a searchable, quality-checked knowledge base."""

__version__ = "0.1.0"
