"""Branded HTML invoices and credit notes from Jinja2 templates a user can override."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from q2c_adapters.documents.branding import Branding
from q2c_adapters.documents.model import InvoiceDocument, build_document
from q2c_core.domain.errors import InvalidValue

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash

TEMPLATE = "invoice.html"


def template_environment(template_dir: str | Path | None = None) -> Environment:
    """Templates from ``template_dir`` first, then q2c's defaults (also as ``q2c/<name>``)."""
    package = PackageLoader("q2c_adapters.documents", "templates")
    loaders: list[FileSystemLoader | PrefixLoader | PackageLoader] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders += [PrefixLoader({"q2c": package}), package]
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def logo_source(logo: str) -> str:
    """The logo as the HTML can show it: URLs as they are, a local file inlined as a data URI."""
    if not logo or logo.startswith(("http://", "https://", "data:")):
        return logo
    path = Path(logo)
    if not path.is_file():
        raise InvalidValue("no such logo file", field="logo", value=logo)
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode()}"


def render_document_html(doc: InvoiceDocument, template_dir: str | Path | None = None) -> str:
    """Render a gathered document with the (possibly overridden) template."""
    template = template_environment(template_dir).get_template(TEMPLATE)
    return template.render(
        doc=doc, t=doc.labels, b=doc.branding, logo_src=logo_source(doc.branding.logo)
    )


def render_html(
    app: QuoteToCash,
    invoice_id: UUID,
    branding: Branding | None = None,
    template_dir: str | Path | None = None,
) -> str:
    """An invoice or credit note as a self-contained HTML page."""
    doc = build_document(app, invoice_id, branding or Branding())
    return render_document_html(doc, template_dir)


class HtmlInvoiceRenderer:
    """The ``DocumentRenderer`` port for HTML."""

    media_type = "text/html"

    def __init__(
        self,
        app: QuoteToCash,
        branding: Branding | None = None,
        template_dir: str | Path | None = None,
    ) -> None:
        self.app = app
        self.branding = branding or Branding()
        self.template_dir = template_dir

    def render(self, invoice_id: UUID) -> bytes:
        """The HTML page as UTF-8 bytes."""
        return render_html(self.app, invoice_id, self.branding, self.template_dir).encode()
