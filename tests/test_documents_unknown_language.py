"""A language the documents do not speak is refused up front, naming it.

``q2c invoice render INV-000001 --lang xx`` (or a branding file with ``language = "nl"``) was
taken as the branding's language and failed only once the document was built, exit 1, as if
the store were at fault. The branding now refuses it when it is made (``InvalidValue`` naming
``language``, saying which languages there are), so the command exits 2 naming ``--lang xx``
or the branding file, and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from test_cli_documents import cli, make_invoice
from typer.testing import CliRunner

from q2c_adapters.documents import Branding
from q2c_adapters.documents.i18n import LABELS
from q2c_core.domain.errors import InvalidValue


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, UUID]:
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    return url, make_invoice(url)


@pytest.mark.parametrize("language", ["xx", "nl", "EN", "de-DE", ""])
def test_a_branding_in_a_language_the_documents_do_not_speak_is_refused(language: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        Branding(language=language)
    assert refused.value.field == "language"
    assert "de, en, fr" in refused.value.rule


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_language_the_documents_speak_is_taken(language: str) -> None:
    assert Branding(language=language).language == language


def test_render_with_an_unknown_lang_exits_2_naming_it(
    db: tuple[str, UUID], tmp_path: Path
) -> None:
    url, _ = db
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "--format", "pdf", "--lang", "xx",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--lang xx" in result.output and "de, en, fr" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()


def test_a_branding_file_in_an_unknown_language_exits_2_naming_the_file(
    db: tuple[str, UUID], tmp_path: Path
) -> None:
    url, _ = db
    branding = tmp_path / "brand.toml"
    branding.write_text('company_name = "Seller BV"\nlanguage = "nl"\n', encoding="utf-8")
    out = tmp_path / "out.html"
    result = CliRunner().invoke(
        cli(),
        ["invoice", "render", "INV-000001", "--url", url, "--format", "html",
         "--branding", str(branding), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"--branding {branding}" in result.output and "language" in result.output
    assert not out.exists()
