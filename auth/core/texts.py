"""``N_``: marks a sentence for the translation catalogues without translating it.

The core has no request, so it cannot know the reader's language: its
sentences (error messages, the page messages capabilities register) are
marked here for ``pybabel extract -k N_`` and translated where a built-in
page shows them (``{{ _(error) }}``). JSON replies keep them in English.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text
