"""The README's documents section says what the PDF's layout promises.

The PDF's letterhead and footer wrap within the margins (commits "the letterhead prints the
seller's whole address and contact beside the logo", "a long branding footer is printed whole,
within the margins"), a number is printed whole in its column and the totals stay on one page;
the README said only "multi-page PDF", so a seller with a long legal footer could not tell it
would fit. Its documents section now says so, and what a branding refuses.
"""

from __future__ import annotations

from pathlib import Path


def documents_section() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Accounting, e-invoices, imports and documents")
    end = readme.index("\n## ", start)
    return " ".join(readme[start:end].split())


def test_the_readme_says_the_letterhead_and_the_footer_wrap() -> None:
    section = documents_section()
    assert "the letterhead (the seller's name, address, contact and VAT id) wraps" in section
    assert "the branding's footer" in section and "wraps over the page's width" in section
    assert "the body stopping above the footer's first line" in section


def test_the_readme_says_numbers_print_whole_and_totals_stay_together() -> None:
    section = documents_section()
    assert "so a number never breaks" in section
    assert "never split over two" in section


def test_the_readme_says_what_a_branding_refuses() -> None:
    section = documents_section()
    assert "A branding's every field is text" in section
    assert "`--branding` or `--lang`" in section
