"""parser"""

from services.parser.article import extract_text

__all__ = ["extract_text"]
