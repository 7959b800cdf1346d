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
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup, escape

from q2c_adapters.documents.branding import Branding, logo_file
from q2c_adapters.documents.model import InvoiceDocument, build_document
from q2c_core.domain.errors import InvalidValue, Q2CError

if TYPE_CHECKING:
    from q2c_core.application import QuoteToCash

TEMPLATE = "invoice.html"


def line_breaks(text: str) -> Markup:
    """``text`` escaped, each line break typed in it (LF, CR or CR LF) written ``<br>``: a
    browser shows a line break in text as a space, and ran the lines of a note or a line's text
    together, which the PDF prints apart. The ``breaks`` filter of the templates."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def template_environment(template_dir: str | Path | None = None) -> Environment:
    """Templates from ``template_dir`` first, then q2c's defaults (also as ``q2c/<name>``),
    with the ``breaks`` filter (``line_breaks``) for text typed on several lines."""
    package = PackageLoader("q2c_adapters.documents", "templates")
    loaders: list[FileSystemLoader | PrefixLoader | PackageLoader] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders += [PrefixLoader({"q2c": package}), package]
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["breaks"] = line_breaks
    return environment


def logo_source(logo: str) -> str:
    """The logo as the HTML can show it: URLs as they are, a local file inlined as a data URI."""
    path = logo_file(logo)  # (refuses a file that is not there or is no picture)
    if path is None:
        return logo
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _template_line(error: BaseException) -> tuple[str, int] | None:
    """The template file and line where rendering stopped: Jinja2 rewrites the traceback so
    that each template frame names its file and line; the innermost one is the place."""
    place = None
    frame = error.__traceback__
    while frame is not None:
        if "__jinja_exception__" in frame.tb_frame.f_globals:
            place = (frame.tb_frame.f_code.co_filename, frame.tb_lineno)
        frame = frame.tb_next
    return place


def _undecodable_template(template_dir: str | Path) -> Path | None:
    """The first file of the template folder that is not UTF-8 text (Jinja2 reads UTF-8)."""
    for path in sorted(Path(template_dir).rglob("*")):
        if path.is_file():
            try:
                path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                return path
    return None


def template_mistake(error: Exception, template_dir: str | Path) -> InvalidValue | None:
    """A user's template that Jinja2 cannot read or render (a syntax error, a variable the
    document does not have, a template it names that is not there, an expression that fails
    such as text plus a number or a filter given the wrong kind of value, templates that
    extend each other without end, a file that is not UTF-8) is a mistake in ``template_dir``:
    refused naming the file and the line to look at, the way a bad branding file is refused,
    not a Jinja2 traceback. None for a Python error that did not stop in a template of
    ``template_dir`` (q2c's own bug)."""
    if isinstance(error, UnicodeDecodeError):
        # (read by the loader, before any template runs: no template frame to name it)
        undecodable = _undecodable_template(template_dir)
        if undecodable is None:
            return None
        return InvalidValue(
            f"{undecodable}: not UTF-8 text (save the template as UTF-8)",
            field="templates",
            value=str(template_dir),
        )
    if isinstance(error, TemplateSyntaxError):
        place: tuple[str, int] | None = (
            error.filename or error.name or TEMPLATE,
            error.lineno,
        )
    else:
        place = _template_line(error)
    if not isinstance(error, TemplateError):
        folder = Path(template_dir).resolve()
        if place is None or not Path(place[0]).resolve().is_relative_to(folder):
            return None
    if isinstance(error, TemplateNotFound):
        message = f"no template {error.name!r} (in the folder or q2c's, as q2c/<name>)"
    elif isinstance(error, RecursionError):
        message = (
            "templates that extend or include each other without end (to extend q2c's own "
            f'template, write {{% extends "q2c/{TEMPLATE}" %}})'
        )
    else:
        text = error.message if isinstance(error, TemplateError) else str(error)
        message = " ".join((text or "").split()) or type(error).__name__
    where = f"{place[0]} line {place[1]}: " if place else ""
    return InvalidValue(f"{where}{message}", field="templates", value=str(template_dir))


def render_document_html(doc: InvoiceDocument, template_dir: str | Path | None = None) -> str:
    """Render a gathered document with the (possibly overridden) template; a user template
    that cannot be read or rendered raises ``InvalidValue`` naming ``templates``, its file and
    line (``template_mistake``)."""
    logo = logo_source(doc.branding.logo)
    try:
        template = template_environment(template_dir).get_template(TEMPLATE)
        return template.render(doc=doc, t=doc.labels, b=doc.branding, logo_src=logo)
    except (
        TemplateError,
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
        AttributeError,
        RecursionError,
    ) as error:
        # (q2c's own templates failing, or a typed q2c refusal, are not the user's mistake)
        mistake = None
        if template_dir is not None and not isinstance(error, Q2CError):
            mistake = template_mistake(error, template_dir)
        if mistake is None:
            raise
        raise mistake from error


def render_html(
    app: QuoteToCash,
    invoice_id: UUID,
    branding: Branding | None = None,
    template_dir: str | Path | None = None,
) -> str:
    """An invoice or credit note as a self-contained HTML page; a template in ``template_dir``
    that cannot be read or rendered raises ``InvalidValue`` (field ``templates``)."""
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
