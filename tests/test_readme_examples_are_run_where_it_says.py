"""The Quickstart sends a newcomer to the runnable stories and says which tests run them: it
said ``tests/test_examples.py`` runs each, while the demo, ``month_at_an_it_vendor.py``, is run
by ``tests/test_demo.py`` (``test_examples.py`` says so and leaves it out). Each example the
README lists is now run by a test file the same sentence names."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_example_is_run_by_a_test_file_the_readme_names_for_it() -> None:
    paragraph = README.split("Runnable stories", 1)[1].split("\n\n", 1)[0]
    tests = set(re.findall(r"`(tests/test_\w+\.py)`", paragraph))
    assert tests
    examples = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
    texts = {t: (ROOT / t).read_text(encoding="utf-8") for t in tests}
    for example in examples:
        assert example in paragraph, example
        stem = example.removesuffix(".py")
        assert any(
            f'run_example("{stem}"' in text or f'"{example}"' in text for text in texts.values()
        ), example
